package dev.audiopipeline.benchmarks;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.SocketFactory;
import org.jspecify.annotations.Nullable;

/**
 * Plain sockets whose input is timestamped the moment a read returns, for the load harness: the
 * earliest point at which a provider's message is in our process (before OkHttp parses the frame).
 * Every read is scanned for {@link LatencyTag} tags and their arrival recorded. The output side
 * follows the client's WebSocket frames and reports, for every binary (audio) frame, the
 * connection's audio byte count at its end and the time the write carrying it was handed to the
 * socket ({@link AudioWrites}). Given to the provider through {@code okHttpClient(new
 * OkHttpClient.Builder().socketFactory(...))}; OkHttp opens plain {@code ws://} connections with
 * {@link #createSocket()} and reads them through {@link Socket#getInputStream()}.
 */
final class StampingSocketFactory extends SocketFactory {
  private final LatencyTag.Arrivals arrivals;
  private final AudioWrites writes;

  StampingSocketFactory(LatencyTag.Arrivals arrivals, AudioWrites writes) {
    this.arrivals = arrivals;
    this.writes = writes;
  }

  /** Receives the end of every binary frame a connection writes. */
  interface AudioWrites {
    /**
     * @param id the connection's first two binary payload bytes as a little-endian short (the
     *     harness's first frame carries the speaker there)
     * @param audioBytes the connection's binary payload bytes so far, this frame included
     * @param nanos {@link System#nanoTime()} just before the write that completes the frame
     */
    void written(int id, long audioBytes, long nanos);

    /** A frame was compressed (permessage-deflate): byte counts are no longer audio positions. */
    void compressed();
  }

  @Override
  public Socket createSocket() {
    return new StampingSocket(arrivals, writes);
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
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    Socket s = createSocket();
    s.bind(new InetSocketAddress(localAddress, localPort));
    s.connect(new InetSocketAddress(address, port));
    return s;
  }

  private static final class StampingSocket extends Socket {
    private final LatencyTag.Arrivals arrivals;
    private final AudioWrites writes;
    private @Nullable InputStream in;
    private @Nullable OutputStream out;

    StampingSocket(LatencyTag.Arrivals arrivals, AudioWrites writes) {
      this.arrivals = arrivals;
      this.writes = writes;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
      if (out == null) {
        out = new FrameFollowingOutputStream(super.getOutputStream(), new ClientFrames(writes));
      }
      return out;
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

  private static final class FrameFollowingOutputStream extends FilterOutputStream {
    private final ClientFrames frames;

    FrameFollowingOutputStream(OutputStream out, ClientFrames frames) {
      super(out);
      this.frames = frames;
    }

    @Override
    public void write(int b) throws IOException {
      frames.follow(new byte[] {(byte) b}, 0, 1, System.nanoTime());
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      frames.follow(b, off, len, System.nanoTime());
      out.write(b, off, len);
    }
  }

  /**
   * Follows the frames a WebSocket client writes (RFC 6455 5.2: masked, any length), after the HTTP
   * upgrade request (which ends with an empty line). Not thread-safe: one per socket, fed by its
   * writer.
   */
  static final class ClientFrames {
    private static final int REQUEST = 0;
    private static final int HEADER0 = 1;
    private static final int HEADER1 = 2;
    private static final int EXTENDED = 3;
    private static final int MASK = 4;
    private static final int PAYLOAD = 5;
    private final AudioWrites writes;
    private int state = REQUEST;
    private int requestTail; // matched bytes of "\r\n\r\n"
    private boolean binary;
    private int extendedLeft;
    private int maskLeft;
    private long payloadLeft;
    private long audioBytes;
    private final byte[] mask = new byte[4];
    private int id;

    ClientFrames(AudioWrites writes) {
      this.writes = writes;
    }

    void follow(byte[] b, int off, int len, long nanos) {
      int i = off;
      int end = off + len;
      while (i < end) {
        int c = b[i] & 0xff;
        switch (state) {
          case REQUEST -> {
            requestTail =
                c == (requestTail % 2 == 0 ? '\r' : '\n') ? requestTail + 1 : (c == '\r' ? 1 : 0);
            if (requestTail == 4) {
              state = HEADER0;
            }
            i++;
          }
          case HEADER0 -> {
            binary = (c & 0x0f) == 2;
            if (binary && (c & 0x40) != 0) {
              writes.compressed();
            }
            state = HEADER1;
            i++;
          }
          case HEADER1 -> {
            int len7 = c & 0x7f;
            java.util.Arrays.fill(mask, (byte) 0);
            maskLeft = (c & 0x80) != 0 ? 4 : 0;
            payloadLeft = len7 < 126 ? len7 : 0;
            extendedLeft = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
            state = extendedLeft > 0 ? EXTENDED : MASK;
            i++;
            afterHeader(nanos);
          }
          case EXTENDED -> {
            payloadLeft = (payloadLeft << 8) | c;
            extendedLeft--;
            i++;
            if (extendedLeft == 0) {
              state = MASK;
              afterHeader(nanos);
            }
          }
          case MASK -> {
            mask[4 - maskLeft] = (byte) c;
            maskLeft--;
            i++;
            afterHeader(nanos);
          }
          default -> { // PAYLOAD
            if (binary && audioBytes < 2) {
              // the connection's first payload bytes, unmasked (RFC 6455 5.3)
              int v = (c ^ mask[(int) audioBytes]) & 0xff;
              id = audioBytes == 0 ? v : (short) (id | v << 8);
              audioBytes++;
              payloadLeft--;
              i++;
              if (payloadLeft == 0) {
                frameDone(nanos);
              }
              continue;
            }
            int n = (int) Math.min(payloadLeft, end - i);
            payloadLeft -= n;
            if (binary) {
              audioBytes += n;
            }
            i += n;
            if (payloadLeft == 0) {
              frameDone(nanos);
            }
          }
        }
      }
    }

    /** In state MASK with no mask bytes left: the payload starts (or the frame is empty). */
    private void afterHeader(long nanos) {
      if (state == MASK && maskLeft == 0) {
        if (payloadLeft == 0) {
          frameDone(nanos);
        } else {
          state = PAYLOAD;
        }
      }
    }

    private void frameDone(long nanos) {
      if (binary) {
        writes.written(id, audioBytes, nanos);
      }
      state = HEADER0;
    }
  }
}
