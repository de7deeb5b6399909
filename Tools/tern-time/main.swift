TernTime.runAsTool()
