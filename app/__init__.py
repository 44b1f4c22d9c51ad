"""Timetray: a system-tray time tracker for the HR Monitoring platform."""

__version__ = "0.1.0"
APP_NAME = "timetray"
