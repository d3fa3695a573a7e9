package dev.audiopipeline.benchmarks;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.SocketFactory;
import org.jspecify.annotations.Nullable;

/**
 * Plain sockets whose input is timestamped the moment a read returns, for the load harness: the
 * earliest point at which a provider's message is in our process (before OkHttp parses the frame).
 * Every read is scanned for {@link LatencyTag} tags and their arrival recorded. Given to the
 * provider through {@code okHttpClient(new OkHttpClient.Builder().socketFactory(...))}; OkHttp
 * opens plain {@code ws://} connections with {@link #createSocket()} and reads them through
 * {@link Socket#getInputStream()}.
 */
final class StampingSocketFactory extends SocketFactory {
  private final LatencyTag.Arrivals arrivals;

  StampingSocketFactory(LatencyTag.Arrivals arrivals) {
    this.arrivals = arrivals;
  }

  @Override
  public Socket createSocket() {
    return new StampingSocket(arrivals);
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    Socket s = createSocket();
    s.connect(new InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    Socket s = createSocket();
    s.bind(new InetSocketAddress(localHost, localPort));
    s.connect(new InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    Socket s = createSocket();
    s.connect(new InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress,
      int localPort) throws IOException {
    Socket s = createSocket();
    s.bind(new InetSocketAddress(localAddress, localPort));
    s.connect(new InetSocketAddress(address, port));
    return s;
  }

  private static final class StampingSocket extends Socket {
    private final LatencyTag.Arrivals arrivals;
    private @Nullable InputStream in;

    StampingSocket(LatencyTag.Arrivals arrivals) {
      this.arrivals = arrivals;
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
      if (in == null) {
        in = new StampingInputStream(super.getInputStream(), new LatencyTag.Scanner(arrivals));
      }
      return in;
    }
  }

  private static final class StampingInputStream extends FilterInputStream {
    private final LatencyTag.Scanner scanner;

    StampingInputStream(InputStream in, LatencyTag.Scanner scanner) {
      super(in);
      this.scanner = scanner;
    }

    @Override
    public int read() throws IOException {
      int c = super.read();
      if (c >= 0) {
        long nanos = System.nanoTime();
        scanner.scan(new byte[] {(byte) c}, 0, 1, nanos, FakeSttServerProcess.wallMicros());
      }
      return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        long nanos = System.nanoTime();
        scanner.scan(b, off, n, nanos, FakeSttServerProcess.wallMicros());
      }
      return n;
    }
  }
}
