import ArgumentParser
import Glibc

extension ParsableCommand {
    /// Parses the command line and runs the command with the exit conventions all Tern
    /// tools share:
    ///
    /// - `--help` prints the help and exits 0;
    /// - a usage error (unknown flag, missing argument, failed validation) prints
    ///   ArgumentParser's message and usage on standard error and exits 2;
    /// - a `ToolFailure` prints `TOOL: message` on standard error and exits with its status;
    /// - an `ExitCode` thrown by `run()` exits with that code, silently (the command has
    ///   already said what it had to say).
    ///
    /// Call it from the tool's `main.swift`: `TernSubnet.runAsTool()`.
    public static func runAsTool(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Glibc.exit(0)
        } catch let failure as ToolFailure {
            fail(failure.message, status: failure.status)
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            if exitCode(for: error).isSuccess {
                exit(withError: error)
            }
            writeStandardError(fullMessage(for: error) + "\n")
            Glibc.exit(2)
        }
    }
}
