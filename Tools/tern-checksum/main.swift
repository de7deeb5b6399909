TernChecksum.runAsTool()
