"""Chart data: S-57 reading, catalogue decoding, light characteristics, ChartStore and gazetteer."""
