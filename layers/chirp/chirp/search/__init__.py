"""Search: the query language, the indexed documents, and the contract every search backend keeps."""
