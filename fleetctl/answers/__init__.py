"""Answers to data sources (invokes) for offline runs: recorded, curated or synthesized."""
