"""Batch mode: a whole venue's submissions in one resumable run (`scope-check batch`), the lists a
chair acts on (`scope-check report`), and shards joined (`scope-check merge`)."""
