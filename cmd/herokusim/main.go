// Command herokusim runs the Heroku Platform API simulator on loopback.
//
//	herokusim [flags]                 serve, print HEROKU_API_URL, the key,
//	                                  HEROKU_DEPLOY_RENDEZVOUS_CA, and the
//	                                  registries' HEROKU_REGISTRY_URL and CI_REGISTRY…
//	herokusim [flags] -- CMD ARGS...  serve while CMD runs with those set;
//	                                  exit with its code
//
// HEROKU_DEPLOY_RENDEZVOUS_CA names a file holding the CA of the simulator's
// rendezvous server (one-off dynos), which heroku-deploy trusts for loopback
// attach URLs only.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	addr := "127.0.0.1:0"
	if len(args) >= 2 && args[0] == "-addr" {
		addr, args = args[1], args[2:]
	}
	opts, rest, err := herokusim.ParseFlags("herokusim", args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2 // ParseFlags has said why
	}
	if len(opts.Apps) == 0 {
		opts.Apps = []string{"demo-app", "my-app"}
	}
	srv, err := herokusim.StartOn(addr, opts)
	if err != nil {
		fmt.Fprintf(stderr, "herokusim: %v\n", err)
		return 1
	}
	defer srv.Close()
	key := herokusim.DefaultKey
	if len(opts.Keys) > 0 {
		key, _, _ = strings.Cut(opts.Keys[0], ":")
	}
	caFile, err := writeCA(srv)
	if err != nil {
		fmt.Fprintf(stderr, "herokusim: %v\n", err)
		return 1
	}
	defer os.Remove(caFile)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)

	if len(rest) == 0 {
		fmt.Fprintf(stdout, "HEROKU_API_URL=%s\nHEROKU_API_KEY=%s\nHEROKU_DEPLOY_RENDEZVOUS_CA=%s\n", srv.URL, key, caFile)
		fmt.Fprintln(stdout, strings.Join(srv.RegistryEnv(), "\n"))
		fmt.Fprintf(stderr, "herokusim: a simulated Heroku API serving apps %s; nothing here is real; Ctrl-C stops\n", strings.Join(appNames(opts.Apps), ", "))
		<-sigs
		return 0
	}
	fmt.Fprintf(stderr, "herokusim: a simulated Heroku API at %s (apps: %s); nothing here is deployed for real\n",
		srv.URL, strings.Join(appNames(opts.Apps), ", "))
	// $NAME of a variable the simulator sets (its registries' addresses
	// change with every start) is replaced in CMD's arguments, so a demo
	// line needs no shell: --image '$CI_REGISTRY_IMAGE:demo'.
	set := map[string]string{}
	for _, kv := range srv.RegistryEnv() {
		k, v, _ := strings.Cut(kv, "=")
		set[k] = v
	}
	for i, a := range rest[1:] {
		rest[i+1] = os.Expand(a, func(name string) string {
			if v, ok := set[name]; ok {
				return v
			}
			return "$" + name
		})
	}
	cmd := exec.Command(rest[0], rest[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	cmd.Env = append(os.Environ(), "HEROKU_API_URL="+srv.URL, "HEROKU_DEPLOY_RENDEZVOUS_CA="+caFile)
	cmd.Env = append(cmd.Env, srv.RegistryEnv()...) // its registries: Heroku's and a GitLab project's
	if _, ok := os.LookupEnv("HEROKU_API_KEY"); !ok {
		cmd.Env = append(cmd.Env, "HEROKU_API_KEY="+key)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "herokusim: %v\n", err)
		return 1
	}
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s) // the child decides how to stop
		}
	}()
	err = cmd.Wait()
	fmt.Fprintln(stderr, "herokusim: that was a simulation: the app URLs above do not exist")
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			return 128 + int(st.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		fmt.Fprintf(stderr, "herokusim: %v\n", err)
		return 1
	}
	return 0
}

// appNames drops the options of each app spec.
func appNames(specs []string) []string {
	names := make([]string, len(specs))
	for i, a := range specs {
		names[i], _, _ = strings.Cut(a, ":")
	}
	return names
}

// writeCA saves the rendezvous server's CA for the client to trust.
func writeCA(srv *herokusim.Server) (string, error) {
	ca, err := srv.RendezvousCA()
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp("", "herokusim-ca-*.pem")
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = f.Write(ca)
	return f.Name(), err
}
