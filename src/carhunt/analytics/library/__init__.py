"""One module per CAR analytic, each defining ANALYTIC."""
