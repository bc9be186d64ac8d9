// Package rendezvous is Heroku's rendezvous service on loopback, for the
// simulator's attached one-off dynos: TLS with a certificate from a CA made
// at start, which clients trust only through HEROKU_DEPLOY_RENDEZVOUS_CA. A
// client sends a dyno's secret on the first line, gets "rendezvous" back,
// then the dyno's output until its process ends. The mode (see ParseMode)
// changes that: "blocked" points attach URLs at a port that accepts
// connections and never answers, as a firewall that drops packets to port
// 5000 looks to a client; "drop=N" resets each session after N bytes of
// output; "linger" keeps a session open after the dyno's process ended (a
// background process holding the output, a slow teardown), until the dyno
// is stopped or the server closes; "https" hands out https:// attach URLs,
// as Shield spaces do, which nothing here serves (the simulator writes
// those URLs; this server only knows the mode).
package rendezvous

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A Process is what a secret attaches a client to: a one-off dyno's.
type Process interface {
	// Attach gives the process its session's connection, before the
	// handshake's answer: closing it (a stop) ends the session.
	Attach(c net.Conn)
	// Run runs the process to its end, its output on out.
	Run(out io.Writer)
	// TTY: the output gets a terminal's CRLF line endings.
	TTY() bool
	// Killed: a stop or time_to_live ended the process (a lingering
	// session is not kept open then).
	Killed() bool
}

// Server is the rendezvous service. Set Mode and Claim, then Start it (CA
// and Start start it once; Close stops it).
type Server struct {
	// Mode is "", "blocked", "drop=N", "linger" or "https" (ParseMode).
	Mode string
	// Claim returns the process a secret names and forgets the secret (a
	// secret attaches once), or nil.
	Claim func(secret string) Process

	once    sync.Once
	err     error
	caPEM   []byte
	addr    string // where attach URLs point
	lns     []net.Listener
	mu      sync.Mutex
	held    []net.Conn
	closing bool
}

// CA returns the PEM certificate of the CA that signed the server's
// certificate, starting the server if needed.
func (r *Server) CA() ([]byte, error) {
	if err := r.Start(); err != nil {
		return nil, err
	}
	return r.caPEM, nil
}

// Addr is where attach URLs point (host:port), once started.
func (r *Server) Addr() string { return r.addr }

// Start listens, once: later calls return the first one's error.
func (r *Server) Start() error {
	r.once.Do(func() { r.err = r.listen() })
	return r.err
}

func (r *Server) listen() error {
	cert, caPEM, err := testCertificate()
	if err != nil {
		return err
	}
	r.caPEM = caPEM
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		return err
	}
	r.lns = append(r.lns, ln)
	r.addr = ln.Addr().String()
	go r.accept(ln)
	if r.Mode == "blocked" {
		bl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		r.lns = append(r.lns, bl)
		r.addr = bl.Addr().String()
		go r.hold(bl)
	}
	return nil
}

// ParseMode reads a mode: "", "blocked", "https", "linger" or "drop=N".
// drop is -1 unless set.
func ParseMode(opt string) (mode string, drop int, err error) {
	if n, ok := strings.CutPrefix(opt, "drop="); ok {
		drop, err := strconv.Atoi(n)
		if err != nil || drop < 0 {
			return "", -1, fmt.Errorf("-rendezvous %q: want drop=N, N a number of bytes", opt)
		}
		return "drop", drop, nil
	}
	switch opt {
	case "", "blocked", "https", "linger":
		return opt, -1, nil
	}
	return "", -1, fmt.Errorf("-rendezvous %q: want blocked, drop=N, linger or https", opt)
}

// hold accepts connections and keeps them silent until Close.
func (r *Server) hold(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		r.mu.Lock()
		if r.closing {
			c.Close()
		} else {
			r.held = append(r.held, c)
		}
		r.mu.Unlock()
	}
}

// Close stops listening and closes the connections it holds.
func (r *Server) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closing = true
	for _, ln := range r.lns {
		ln.Close()
	}
	for _, c := range r.held {
		c.Close()
	}
}

func (r *Server) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go r.serve(c)
	}
}

// serve pairs a connection with its process by the secret on its first
// line and runs the process on it.
func (r *Server) serve(c net.Conn) {
	linger := false
	defer func() {
		if !linger {
			c.Close()
		}
	}()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		return
	}
	c.SetReadDeadline(time.Time{})
	secret := strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	p := r.Claim(secret)
	if p == nil {
		fmt.Fprint(c, "error: no such session\r\n")
		return
	}
	p.Attach(c)
	fmt.Fprint(c, "rendezvous\r\n")
	// Input: the client has none to give; it may send EOT (Ctrl-D).
	go func() {
		buf := make([]byte, 64)
		for {
			if _, err := br.Read(buf); err != nil {
				return
			}
		}
	}()
	var conn net.Conn = c
	if _, drop, _ := ParseMode(r.Mode); drop >= 0 {
		conn = &cutConn{Conn: c, left: drop}
	}
	p.Run(newlineWriter{w: conn, crlf: p.TTY()})
	if r.Mode == "linger" && !p.Killed() {
		// Open until the server closes: Close closes what it holds.
		r.mu.Lock()
		if linger = !r.closing; linger {
			r.held = append(r.held, c)
		}
		r.mu.Unlock()
	}
}

// errCut is a write to a session that cutConn has cut.
var errCut = errors.New("rendezvous session cut")

// cutConn resets its TLS connection once left bytes were written through
// it: a session lost mid-output, as a proxy or a network fault loses it.
// A reset, not a TLS close: the client sees a failed read, not an end.
// The dyno's process goes on, its output going nowhere.
type cutConn struct {
	net.Conn // a *tls.Conn
	left     int
	cut      bool
}

func (c *cutConn) Write(p []byte) (int, error) {
	if c.cut {
		return 0, errCut
	}
	n, err := c.Conn.Write(p[:min(len(p), c.left)])
	c.left -= n
	if err == nil && c.left == 0 {
		c.cut = true
		if tc, ok := c.Conn.(*tls.Conn); ok {
			if tcp, ok := tc.NetConn().(*net.TCPConn); ok {
				tcp.SetLinger(0) // close sends a reset
			}
			tc.NetConn().Close()
		}
		err = errCut
	}
	return n, err
}

// newlineWriter writes a terminal's CRLF line endings when the dyno has a
// TTY.
type newlineWriter struct {
	w    net.Conn
	crlf bool
}

func (n newlineWriter) Write(p []byte) (int, error) {
	if !n.crlf {
		return n.w.Write(p)
	}
	_, err := n.w.Write([]byte(strings.ReplaceAll(string(p), "\n", "\r\n")))
	return len(p), err
}

// testCertificate makes a CA and a certificate it signs for the loopback
// addresses.
func testCertificate() (tls.Certificate, []byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "herokusim test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "rendezvous.herokusim"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), nil
}
