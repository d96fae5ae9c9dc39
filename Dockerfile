# scope-check in a container, for a chair's cluster (docs/batch.md: the Kubernetes recipe).
# The image holds the wheel that `python -m build` made in dist/ (one wheel there), on Python's slim
# image, and runs as an unprivileged user: the PDFs it reads are untrusted.
#
#   python -m build && docker build -t scope-check .
#   docker run --rm -v "$PWD:/data" scope-check /data/paper.pdf --rules scope2025-main
#
# The release workflow (.github/workflows/release.yml) builds it from the release's wheel, checks a
# fixture with it, and pushes it to ghcr.io/OWNER/scope-check:X.Y.Z on a tag vX.Y.Z.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

COPY dist/*.whl /tmp/dist/
RUN pip install /tmp/dist/*.whl \
    && rm -rf /tmp/dist \
    && useradd --create-home --uid 10001 scope

USER 10001
WORKDIR /data
ENTRYPOINT ["scope-check"]
CMD ["--help"]
