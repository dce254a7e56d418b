"""Tests of question analysis, extractive chart answers, citation checking and the answer contract."""
