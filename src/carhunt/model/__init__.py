"""The CAR data model and the Sysmon to CAR mapping."""
