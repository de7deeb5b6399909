TernSubnet.runAsTool()
