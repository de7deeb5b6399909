import Glibc

/// The terminal in raw mode for the chat's input line: keys arrive one by one, unechoed,
/// with Ctrl-C and Ctrl-D as bytes rather than signals, and output goes out untranslated.
/// `restore()` puts back the settings found at the start.
final class RawTerminal {
    private let descriptor: Int32
    private let original: termios
    private var isRaw = false

    /// Nil when `descriptor` is not a terminal.
    init?(descriptor: Int32 = STDIN_FILENO) {
        var settings = termios()
        guard tcgetattr(descriptor, &settings) == 0 else { return nil }
        self.descriptor = descriptor
        original = settings
    }

    deinit {
        restore()
    }

    /// Switches to raw mode; false if the terminal refused.
    func enter() -> Bool {
        var settings = original
        settings.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        settings.c_iflag &= ~tcflag_t(IXON | ICRNL | INLCR | IGNCR | BRKINT | ISTRIP | INPCK)
        settings.c_oflag &= ~tcflag_t(OPOST)
        settings.c_cflag |= tcflag_t(CS8)
        withUnsafeMutableBytes(of: &settings.c_cc) { controls in
            controls[Int(VMIN)] = 1
            controls[Int(VTIME)] = 0
        }
        guard tcsetattr(descriptor, TCSAFLUSH, &settings) == 0 else { return false }
        isRaw = true
        return true
    }

    /// Puts the original settings back; later calls do nothing.
    func restore() {
        guard isRaw else { return }
        var settings = original
        _ = tcsetattr(descriptor, TCSADRAIN, &settings)
        isRaw = false
    }

    /// The size of the terminal on `descriptor`, or nil if it does not say.
    static func size(of descriptor: Int32 = STDOUT_FILENO) -> (columns: Int, rows: Int)? {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else { return nil }
        return (Int(size.ws_col), Int(size.ws_row))
    }
}
