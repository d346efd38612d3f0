package io.coronet.peers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Netty 4.2 with ONE event loop that both accepts and serves (the same single-core budget as every
 * other peer), with either the native epoll transport or the JDK NIO transport. The handlers are
 * the canonical Netty echo: write each inbound buffer back, flush once per read burst.
 */
final class NettyServer implements PeerServer {

    enum Transport { EPOLL, NIO }

    private final Transport transport;
    private EventLoopGroup group;
    private Channel serverChannel;

    NettyServer(Transport transport) {
        this.transport = transport;
    }

    @Override
    public InetSocketAddress start(ServerOptions options) throws Exception {
        IoHandlerFactory io;
        Class<? extends ServerChannel> channelClass;
        if (transport == Transport.EPOLL) {
            Epoll.ensureAvailability();   // fail loudly instead of silently running something else
            io = EpollIoHandler.newFactory();
            channelClass = EpollServerSocketChannel.class;
        } else {
            io = NioIoHandler.newFactory();
            channelClass = NioServerSocketChannel.class;
        }
        group = new MultiThreadIoEventLoopGroup(1, io);
        boolean handshake = options.protocol() == Protocol.HANDSHAKE;
        SslContext ssl = options.tls() ? Tls.nettyContext(options) : null;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ssl != null) ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        if (handshake) ch.pipeline().addLast(new HandshakeHandler());
                        ch.pipeline().addLast(EchoHandler.INSTANCE);
                    }
                });
        serverChannel = bootstrap.bind(options.host(), options.port()).sync().channel();
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() throws InterruptedException {
        if (serverChannel != null) serverChannel.close().sync();
        if (group != null) group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
    }

    /** Writes every inbound buffer back (the write releases it); one flush per read burst. */
    @Sharable
    static final class EchoHandler extends ChannelInboundHandlerAdapter {
        static final EchoHandler INSTANCE = new EchoHandler();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Consumes the greeting line, answers it, passes the bytes after it on, then leaves the pipeline. */
    static final class HandshakeHandler extends ChannelInboundHandlerAdapter {
        private final Greeting greeting = new Greeting();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                while (in.isReadable()) {
                    switch (greeting.feed(in.readByte())) {
                        case MORE -> { }
                        case REJECTED -> {
                            ctx.close();
                            return;
                        }
                        case ACCEPTED -> {
                            ctx.write(Unpooled.wrappedBuffer(Greeting.REPLY), ctx.voidPromise());
                            if (in.isReadable()) ctx.write(in.retain(), ctx.voidPromise());
                            ctx.flush();
                            ctx.pipeline().remove(this);
                            return;
                        }
                    }
                }
            } finally {
                in.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
