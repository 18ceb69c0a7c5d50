"""Media: the kinds a tweet may carry (Twitter's limits as data), recognising a file's real type by its
bytes (`kinds`), and turning an upload into the variants Chirp serves (`processing`: Pillow and ffmpeg,
imported only when a file is processed, so every other function imports this package with the layer alone).
"""
