TernChat.runAsTool()
