"""The steps behind `therapy_data_processor.TherapyDataProcessor`, one module each."""

__version__ = "0.1.0"
