"""The processing core: messy CSV files in, one clean deduplicated table and a report out."""
