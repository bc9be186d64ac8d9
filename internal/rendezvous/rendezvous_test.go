package rendezvous

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const secret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

// server serves one TLS connection with handle, on a certificate for
// 127.0.0.1 that only roots trusts.
func server(t *testing.T, handle func(c net.Conn, first string)) (addr string, roots *x509.CertPool) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	cert, roots := ts.TLS.Certificates[0], x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	ts.Close()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		handle(c, line)
	}()
	return ln.Addr().String(), roots
}

func TestAttach(t *testing.T) {
	got := make(chan string, 2)
	addr, roots := server(t, func(c net.Conn, first string) {
		got <- first
		io.WriteString(c, "rendezvous\r\n")
		b := make([]byte, 1)
		c.Read(b)
		got <- string(b)
		io.WriteString(c, "hello\nworld\n")
	})
	conn, err := Dial(context.Background(), "rendezvous://"+addr+"/"+secret+"?x=1", Options{LoopbackRoots: roots})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	out, err := io.ReadAll(conn)
	if err != nil || string(out) != "hello\nworld\n" || !conn.Attached() {
		t.Errorf("read %q, %v (attached %v)", out, err, conn.Attached())
	}
	if first := <-got; first != secret+"?x=1\r\n" {
		t.Errorf("first line %q: want the secret path and query, CRLF", first)
	}
	if eot := <-got; eot != "\x04" {
		t.Errorf("after attaching the client sent %q, want EOT (no input)", eot)
	}
}

func TestNotAttached(t *testing.T) {
	for answer, want := range map[string]string{
		"":                           "the connection closed before the dyno attached",
		"error: no such session\r\n": `rendezvous answered "error: no such session"`,
	} {
		addr, roots := server(t, func(c net.Conn, _ string) { io.WriteString(c, answer) })
		conn, err := Dial(context.Background(), "rendezvous://"+addr+"/"+secret, Options{LoopbackRoots: roots})
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(conn)
		if !errors.Is(err, ErrNotAttached) || !strings.Contains(err.Error(), want) || conn.Attached() {
			t.Errorf("answer %q: err %v, want ErrNotAttached saying %q", answer, err, want)
		}
		conn.Close()
	}
}

// TestResetIsNoEnd: a session reset after some output fails the read,
// also when the reset reached the end-of-input write first (the kernel
// reports it once): it must not read as the output's end.
func TestResetIsNoEnd(t *testing.T) {
	addr, roots := server(t, func(c net.Conn, _ string) {
		io.WriteString(c, "rendezvous\r\nhalf")
		tc := c.(*tls.Conn).NetConn().(*net.TCPConn)
		tc.SetLinger(0) // close sends a reset
		tc.Close()
	})
	conn, err := Dial(context.Background(), "rendezvous://"+addr+"/"+secret, Options{LoopbackRoots: roots})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(100 * time.Millisecond) // the reset arrives before the write
	out, err := io.ReadAll(conn)
	if err == nil || errors.Is(err, ErrNotAttached) || string(out) != "half" {
		t.Errorf("read %q, %v: want the output and a failure", out, err)
	}
}

// TestUnreachable: a port that never answers (a firewall dropping packets),
// one that refuses, a certificate nobody vouches for: ErrUnreachable within
// the timeout, and never the secret in the message.
func TestUnreachable(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()
	untrusted, _ := server(t, func(net.Conn, string) {})

	for name, addr := range map[string]string{"silent": silent.Addr().String(), "refused": closedAddr, "untrusted": untrusted} {
		start := time.Now()
		_, err := Dial(context.Background(), "rendezvous://"+addr+"/"+secret, Options{Timeout: 200 * time.Millisecond})
		if !errors.Is(err, ErrUnreachable) {
			t.Errorf("%s: err %v, want ErrUnreachable", name, err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: took %s", name, took)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error holds the secret: %v", name, err)
		}
	}
}

func TestLoopbackRootsOnlyForLoopback(t *testing.T) {
	for host, want := range map[string]bool{"127.0.0.1": true, "::1": true, "localhost": true, "rendezvous.runtime.heroku.com": false, "10.0.0.1": false} {
		if isLoopback(host) != want {
			t.Errorf("isLoopback(%q) = %v", host, !want)
		}
	}
}

// TestUnsupported: the error says what is wrong with the URL, naming its
// scheme at most, never the secret.
func TestUnsupported(t *testing.T) {
	for u, want := range map[string]string{
		"https://shield.example.com/" + secret + "?token=" + secret: "https:// is not supported",
		"rendezvous:///" + secret:                                   "it has no host or port",
		"::" + secret:                                               "it does not parse",
		"shield.example.com/" + secret:                              "it has no scheme",
	} {
		_, err := Dial(context.Background(), u, Options{})
		if !errors.Is(err, ErrUnsupported) || !strings.HasSuffix(err.Error(), ": "+want) || strings.Contains(err.Error(), secret) {
			t.Errorf("%q: err %v, want ErrUnsupported saying %q, without the secret", u, err, want)
		}
	}
}

// TestStopClosesTheSession: the context's end unblocks a read at once.
func TestStopClosesTheSession(t *testing.T) {
	addr, roots := server(t, func(c net.Conn, _ string) {
		io.WriteString(c, "rendezvous\r\n")
		time.Sleep(5 * time.Second)
	})
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := Dial(ctx, "rendezvous://"+addr+"/"+secret, Options{LoopbackRoots: roots})
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	io.ReadAll(conn)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("read went on %s after the stop", took)
	}
}
