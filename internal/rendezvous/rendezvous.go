// Package rendezvous attaches to a one-off dyno through Heroku's rendezvous
// service: TLS to the attach URL's host and port, the URL's secret path on
// the first line, a "rendezvous" line back once the dyno is attached, then
// the dyno's raw output until its process ends. The attach URL is a
// credential (it opens the dyno's input): it never appears in an error.
package rendezvous

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// ErrUnreachable means no TLS session could be set up with the rendezvous
// host within Options.Timeout: typically a firewall that blocks its port.
var ErrUnreachable = errors.New("rendezvous host unreachable")

// ErrUnsupported means the attach URL is not a rendezvous URL. Shield
// spaces hand out https URLs, over which Heroku's CLI runs ssh: not
// implemented, as Heroku documents no such protocol to test against.
var ErrUnsupported = errors.New("attach URL is not a rendezvous:// URL")

// ErrNotAttached means the connection ended before the dyno attached: its
// process never started.
var ErrNotAttached = errors.New("the connection closed before the dyno attached")

// Options tune Dial.
type Options struct {
	// Timeout bounds the TCP connection and the TLS handshake [10s].
	Timeout time.Duration
	// LoopbackRoots, when set, are the only roots trusted for an attach
	// host on a loopback address (the simulator's test CA). They are never
	// used for any other host.
	LoopbackRoots *x509.CertPool
}

// Conn is an attached dyno's output.
type Conn struct {
	tc       *tls.Conn
	r        *bufio.Reader
	attached bool
	werr     error // the end of input's failed write
	stop     func() bool
	once     sync.Once
}

// Dial connects to attachURL and presents its secret. The context bounds
// the whole session: when it ends, the connection is closed.
func Dial(ctx context.Context, attachURL string, o Options) (*Conn, error) {
	u, err := url.Parse(attachURL)
	switch {
	case err != nil: // url's errors quote the URL
		return nil, fmt.Errorf("%w: it does not parse", ErrUnsupported)
	case u.Scheme == "":
		return nil, fmt.Errorf("%w: it has no scheme", ErrUnsupported)
	case u.Scheme != "rendezvous":
		// The scheme alone: the rest holds the secret.
		return nil, fmt.Errorf("%w: %s:// is not supported", ErrUnsupported, u.Scheme)
	case u.Hostname() == "" || u.Port() == "":
		return nil, fmt.Errorf("%w: it has no host or port", ErrUnsupported)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	cfg := &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	if o.LoopbackRoots != nil && isLoopback(u.Hostname()) {
		cfg.RootCAs = o.LoopbackRoots
	}
	dctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	d := &tls.Dialer{Config: cfg}
	nc, err := d.DialContext(dctx, "tcp", u.Host)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if dctx.Err() != nil {
			err = fmt.Errorf("no answer within %s", o.Timeout)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, u.Host, scrub(err, u))
	}
	tc := nc.(*tls.Conn)
	secret := strings.TrimPrefix(u.EscapedPath(), "/")
	if u.RawQuery != "" {
		secret += "?" + u.RawQuery
	}
	tc.SetWriteDeadline(time.Now().Add(o.Timeout))
	if _, err := io.WriteString(tc, secret+"\r\n"); err != nil {
		tc.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, u.Host, scrub(err, u))
	}
	tc.SetWriteDeadline(time.Time{})
	c := &Conn{tc: tc, r: bufio.NewReader(tc)}
	c.stop = context.AfterFunc(ctx, func() { tc.Close() })
	return c, nil
}

// Read returns the dyno's output. The first call waits for the dyno to
// attach and closes its input (CI has none to give): a command that reads
// standard input sees its end instead of waiting forever.
func (c *Conn) Read(p []byte) (int, error) {
	if !c.attached {
		line, err := c.r.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				return 0, ErrNotAttached
			}
			return 0, err
		}
		if strings.TrimRight(line, "\r\n") != "rendezvous" {
			return 0, fmt.Errorf("%w: rendezvous answered %q", ErrNotAttached, shorten(line))
		}
		c.attached = true
		// End of input, as a terminal sends on Ctrl-D. The kernel reports
		// a reset once, to the first call after it: if this write took it,
		// the reads that follow see an end, which must not pass for one.
		_, c.werr = c.tc.Write([]byte{0x04})
	}
	n, err := c.r.Read(p)
	if err == io.EOF && c.werr != nil {
		err = c.werr
	}
	return n, err
}

// Attached reports whether the dyno attached: its process started.
func (c *Conn) Attached() bool { return c.attached }

// Close ends the session.
func (c *Conn) Close() error {
	var err error
	c.once.Do(func() {
		c.stop()
		err = c.tc.Close()
	})
	return err
}

// scrub removes the attach URL's secret from an error, should the TLS or
// net package ever quote it.
func scrub(err error, u *url.URL) string {
	msg := err.Error()
	if p := strings.TrimPrefix(u.EscapedPath(), "/"); p != "" {
		msg = strings.ReplaceAll(msg, p, "…")
	}
	return msg
}

func shorten(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LoopbackRoots reads the PEM certificates in file, the roots trusted for
// an attach host on loopback (the simulator's CA, a test seam).
func LoopbackRoots(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return roots, nil
}
