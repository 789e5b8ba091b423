"""carhunt: MITRE CAR analytics over Windows Sysmon telemetry."""
