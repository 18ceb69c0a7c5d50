"""Search backends: OpenSearch (AWS) and the embedded engine (local), behind chirp.search.index."""
