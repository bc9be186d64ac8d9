package herokusim

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// What tests read of the simulator's state beyond the API: the conditions
// herokusim-check tests, the descriptions herokusim-dynos, herokusim-apps
// and herokusim-config print (internal/herokusim/simscript), and the
// faults' counters herokusim-wait fault waits on.

// Check tests one herokusim-check condition on app; getenv reads the
// script's variables. It returns what is wrong, without values.
func (s *Server) Check(appName, k, v string, getenv func(string) string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appName]
	if k == "gone" {
		if a != nil {
			return "app " + appName + " exists"
		}
		return ""
	}
	if a == nil {
		return "no app " + appName
	}
	name, envVar, _ := strings.Cut(v, ":")
	switch k {
	case "builds":
		want, err := strconv.Atoi(v)
		if err != nil {
			return "builds=" + v + " is not a number"
		}
		if len(a.builds) != want {
			return fmt.Sprintf("%d builds for %s, want %d", len(a.builds), appName, want)
		}
	case "maintenance":
		if on := map[bool]string{true: "on", false: "off"}[a.Maintenance]; on != v {
			return fmt.Sprintf("maintenance mode of %s is %s, want %s", appName, on, v)
		}
	case "config":
		got, ok := a.config[name]
		switch {
		case !ok:
			return fmt.Sprintf("%s has no config var %s", appName, name)
		case got != getenv(envVar):
			return fmt.Sprintf("config var %s of %s differs from $%s", name, appName, envVar)
		}
	case "config-of":
		other := s.apps[envVar]
		got, ok := a.config[name]
		switch {
		case other == nil:
			return "no app " + envVar
		case !ok:
			return fmt.Sprintf("%s has no config var %s", appName, name)
		case got != other.config[name]:
			return fmt.Sprintf("config var %s of %s differs from %s's", name, appName, envVar)
		}
	case "no-config":
		if _, ok := a.config[v]; ok {
			return fmt.Sprintf("%s still has config var %s", appName, v)
		}
	case "dyno-env":
		if len(a.dynos) == 0 {
			return appName + " has no dyno"
		}
		d := a.dynos[len(a.dynos)-1]
		if got, ok := d.Env[name]; !ok || got != getenv(envVar) {
			return fmt.Sprintf("env %s of dyno %s is missing or differs from $%s", name, d.Name, envVar)
		}
	case "coupled":
		got := "none"
		if c := a.coupling; c != nil {
			got = c.pipeline.Name + "/" + c.stage
		}
		if got != v {
			return fmt.Sprintf("%s is coupled to %s, want %s", appName, got, v)
		}
	default:
		return "unknown check " + k
	}
	return ""
}

// DynoUp reports whether a one-off dyno of the app runs its process
// (herokusim-wait dyno).
func (s *Server) DynoUp(appName string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appName]
	if a == nil {
		return false
	}
	for _, d := range a.dynos {
		d.mu.Lock()
		up := d.State == "up"
		d.mu.Unlock()
		if up {
			return true
		}
	}
	return false
}

// nonceRE finds the per-run nonce in heroku-deploy's exit-status marker,
// which herokusim-dynos shows as NONCE so golden files stay stable.
var nonceRE = regexp.MustCompile(`(heroku-command-exit-status) [0-9a-f]{16}:`)

// DescribeDynos is herokusim-dynos's text: each one-off dyno of the app,
// its state, options and env names, then its command indented.
func (s *Server) DescribeDynos(appName string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appName]
	if a == nil {
		return ""
	}
	var b strings.Builder
	for _, d := range a.dynos {
		names := make([]string, 0, len(d.Env))
		for k := range d.Env {
			names = append(names, k)
		}
		sort.Strings(names)
		cmd := nonceRE.ReplaceAllString(strings.ReplaceAll(d.Command, "\uFFFF", "<U+FFFF>"), "$1 NONCE:")
		cmd = strings.ReplaceAll(cmd, "\n", "\n    ") // each line of it indented
		d.mu.Lock()
		fmt.Fprintf(&b, "%s %s attach=%t tty=%t size=%s ttl=%d env=%s\n    %s\n",
			d.Name, d.State, d.Attach, d.TTY, d.Size, d.TTL, strings.Join(names, ","), cmd)
		d.mu.Unlock()
	}
	return b.String()
}

// Apps returns the names of the apps that exist, sorted.
func (s *Server) Apps() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, a := range s.appList() {
		names = append(names, a.Name)
	}
	return names
}

// appList returns the apps, by name (s.mu held).
func (s *Server) appList() []*app {
	var list []*app
	for k, a := range s.apps {
		if k == a.Name { // each app is there by name and by id
			list = append(list, a)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list
}

// DescribeApps lists the apps: name, owner, team, space, region,
// generation and add-ons (service names).
func (s *Server) DescribeApps() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, a := range s.appList() {
		team, sp, gen := "-", "-", "cedar"
		if a.team != nil {
			team = a.team.Name
		}
		if a.space != nil {
			sp = a.space.Name
		}
		if a.Fir {
			gen = "fir"
		}
		var addons []string
		for _, ad := range a.addons {
			addons = append(addons, ad.service)
		}
		fmt.Fprintf(&b, "%s owner=%s team=%s space=%s region=%s %s addons=%s\n",
			a.Name, a.Owner, team, sp, a.Region, gen, strings.Join(addons, ","))
	}
	return b.String()
}

// ConfigNames returns the names of the app's config vars, sorted, never
// their values.
func (s *Server) ConfigNames(appName string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	if a := s.apps[appName]; a != nil {
		for k := range a.config {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// FaultsHolding is how many requests faults that hold requests (delay,
// hang, barrier) hold right now, and whether there are such faults.
func (s *Server) FaultsHolding() (held int, holds bool) {
	for _, f := range s.faults() {
		if f.Holds() {
			holds = true
			held += f.Holding()
		}
	}
	return held, holds
}

// FaultHits is how many requests met an armed fault.
func (s *Server) FaultHits() int {
	n := 0
	for _, f := range s.faults() {
		n += f.Hits()
	}
	return n
}
