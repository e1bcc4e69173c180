"""mm2report: analysis and reporting workbook for Kafka MirrorMaker 2 validation campaigns."""

__version__ = "0.1.0"
