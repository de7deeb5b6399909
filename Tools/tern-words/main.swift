TernWords.runAsTool()
