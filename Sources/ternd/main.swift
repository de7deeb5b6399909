print("ternd: under construction")
