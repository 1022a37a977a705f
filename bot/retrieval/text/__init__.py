"""Text analysis shared by ingest and ranking: language, stems and n-grams, word translation."""
