TernGet.runAsTool()
