package dev.audiopipeline.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ServerSocketFactory;

/**
 * Server sockets that remember every connection they accept, in order, so a fake can cut one (a TCP
 * drop without a close frame) where the server-side WebSocket API offers no way to.
 */
final class TrackingServerSocketFactory extends ServerSocketFactory {
  private final List<Socket> accepted = new CopyOnWriteArrayList<>();

  /**
   * The {@code index}-th accepted connection (0-based, as {@code
   * RecordedRequest#getConnectionIndex}).
   */
  Socket accepted(int index) {
    return accepted.get(index);
  }

  @Override
  public ServerSocket createServerSocket() throws IOException {
    return new Tracking();
  }

  @Override
  public ServerSocket createServerSocket(int port) throws IOException {
    Tracking s = new Tracking();
    s.bind(new java.net.InetSocketAddress(port));
    return s;
  }

  @Override
  public ServerSocket createServerSocket(int port, int backlog) throws IOException {
    Tracking s = new Tracking();
    s.bind(new java.net.InetSocketAddress(port), backlog);
    return s;
  }

  @Override
  public ServerSocket createServerSocket(int port, int backlog, InetAddress address)
      throws IOException {
    Tracking s = new Tracking();
    s.bind(new java.net.InetSocketAddress(address, port), backlog);
    return s;
  }

  private final class Tracking extends ServerSocket {
    Tracking() throws IOException {}

    @Override
    public Socket accept() throws IOException {
      Socket s = new Socket();
      implAccept(s);
      s.setTcpNoDelay(true); // frames leave as they are written, as from the service
      accepted.add(s);
      return s;
    }
  }
}
