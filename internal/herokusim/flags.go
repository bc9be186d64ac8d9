package herokusim

import (
	"flag"
	"io"
	"strings"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// ParseFlags reads simulator options from command-line flags, shared by
// cmd/herokusim and the test harness. It returns the arguments after them.
func ParseFlags(name string, args []string, errOut io.Writer) (Options, []string, error) {
	var o Options
	var apps, keys, faults listFlag
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Var(&apps, "app", "create an app: NAME[:OPTION,...] with options userN (owned by the Nth -key), foreign (no key can access it), fir (a Fir-generation app), no-web-url (web_url is null); repeatable")
	fs.Var(&keys, "key", "accept this API key (repeatable; default "+DefaultKey+")")
	fs.Var(&faults, "fault", `inject a fault, e.g. "GET /apps/*/builds/* 503 html times=3" (repeatable)`)
	fs.DurationVar(&o.Step, "step", 0, "pause between build log lines")
	fs.DurationVar(&o.BuildStream404, "build-stream-404", 0, "build streams answer 404 this long")
	fs.DurationVar(&o.ReleaseStream404, "release-stream-404", 0, "release streams answer 404 this long")
	fs.DurationVar(&o.PendingAfterEOF, "pending-after-eof", 0, "builds stay pending this long after their stream ends")
	fs.DurationVar(&o.Keepalive, "keepalive", 0, "NUL keepalive interval on idle streams (default 200ms)")
	fs.BoolVar(&o.Stuck, "stuck", false, "builds never finish")
	fs.IntVar(&o.RateLimit, "rate-limit", 0, "token bucket size per key (default 4500)")
	fs.Float64Var(&o.RateRefill, "rate-refill", 0, "tokens refilled per second (default 1.25)")
	if err := fs.Parse(args); err != nil {
		return o, nil, err
	}
	o.Apps, o.Keys = apps, keys
	for _, a := range apps {
		if _, err := ParseAppSpec(a); err != nil {
			return o, nil, err
		}
	}
	for _, f := range faults {
		pf, err := ParseFault(f)
		if err != nil {
			return o, nil, err
		}
		o.Faults = append(o.Faults, pf)
	}
	return o, fs.Args(), nil
}
