extension HTTPConnection: TimeoutAwareConnection {}
