"""Text side of the pipeline: charsets, corpora and corpus models."""
