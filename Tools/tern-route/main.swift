TernRoute.runAsTool()
