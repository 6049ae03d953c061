"""Benchmarks and the launcher of the production shape they share with the fault test."""
