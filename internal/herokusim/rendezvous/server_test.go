package rendezvous

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

func TestParseMode(t *testing.T) {
	for _, s := range []string{"", "blocked", "https", "drop=0", "drop=40"} {
		if _, _, err := ParseMode(s); err != nil {
			t.Errorf("ParseMode(%q): %v", s, err)
		}
	}
	for _, s := range []string{"open", "drop", "drop=-1", "drop=x", "HTTPS"} {
		if _, _, err := ParseMode(s); err == nil {
			t.Errorf("ParseMode(%q) accepted", s)
		}
	}
}

// process is a Process that prints its lines.
type process struct {
	out    string
	tty    bool
	killed bool
}

func (p *process) Attach(net.Conn)   {}
func (p *process) Run(out io.Writer) { io.WriteString(out, p.out) }
func (p *process) TTY() bool         { return p.tty }
func (p *process) Killed() bool      { return p.killed }

// attach dials the server as a client does, trusting its CA, sends the
// secret and returns everything it answers until it closes.
func attach(t *testing.T, r *Server, secret string) string {
	t.Helper()
	ca, err := r.CA()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	c, err := tls.Dial("tcp", r.Addr(), &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "%s\r\n", secret)
	b, _ := io.ReadAll(c)
	return string(b)
}

// TestSessions: the handshake, a terminal's line endings, an unknown
// secret, a secret that attaches once, and a session cut after N bytes.
func TestSessions(t *testing.T) {
	claimed := map[string]bool{}
	procs := map[string]*process{"plain": {out: "a\nb\n"}, "tty": {out: "a\nb\n", tty: true}}
	claim := func(secret string) Process {
		if p := procs[secret]; p != nil && !claimed[secret] {
			claimed[secret] = true
			return p
		}
		return nil
	}
	r := &Server{Claim: claim}
	defer r.Close()
	for secret, want := range map[string]string{
		"plain": "rendezvous\r\na\nb\n",
		"tty":   "rendezvous\r\na\r\nb\r\n",
		"nope":  "error: no such session\r\n",
	} {
		if got := attach(t, r, secret); got != want {
			t.Errorf("%s: got %q, want %q", secret, got, want)
		}
	}
	if got := attach(t, r, "plain"); got != "error: no such session\r\n" {
		t.Errorf("a secret attached twice: %q", got)
	}

	clear(claimed)
	cut := &Server{Mode: "drop=3", Claim: claim}
	defer cut.Close()
	if got := attach(t, cut, "plain"); got != "rendezvous\r\na\nb" {
		t.Errorf("drop=3: got %q, want the handshake and 3 bytes", got)
	}
}
