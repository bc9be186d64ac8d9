// Package formation scales and restarts an app's dynos: the quantity and
// size of each process type (`scale`) and restarts of every dyno or of
// some types (`restart`, dpl's --run restart). A scale is checked against
// the formation before it is sent and reported only once it is read back:
// a refusal counts as "nothing changed" only when the formation reads as
// it did before.
package formation

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Change is one process type to scale: TYPE=QUANTITY[:SIZE].
type Change struct {
	Type     string
	Quantity int
	Size     string // "" keeps the type's size
}

func (c Change) String() string {
	if c.Size == "" {
		return fmt.Sprintf("%s=%d", c.Type, c.Quantity)
	}
	return fmt.Sprintf("%s=%d:%s", c.Type, c.Quantity, c.Size)
}

var (
	changeRE = regexp.MustCompile(`^([^=:+]+)=([0-9]+)(?::(.+))?$`)
	sizeRE   = regexp.MustCompile(`^[A-Za-z0-9-]{1,40}$`)
)

// maxQuantity bounds what is sent; Heroku's own limits are lower.
const maxQuantity = 10000

// ParseChanges reads TYPE=QUANTITY[:SIZE] arguments (web=2,
// worker=0, web=2:standard-1x). Quantities are absolute: a relative
// change (web+1, as the Heroku CLI takes) would scale again on a re-run
// job.
func ParseChanges(args []string) ([]Change, error) {
	var out []Change
	seen := map[string]bool{}
	for _, a := range args {
		m := changeRE.FindStringSubmatch(a)
		if m == nil {
			if strings.ContainsAny(a, "+-") && !strings.Contains(a, "=") {
				return nil, fmt.Errorf("%q: give the quantity (TYPE=QUANTITY), not a change to it: a re-run job would apply a relative change again", a)
			}
			return nil, fmt.Errorf("%q is not TYPE=QUANTITY[:SIZE] (e.g. web=2, worker=0, web=2:standard-1x)", a)
		}
		c := Change{Type: m[1], Size: m[3]}
		if !herokuapi.ValidProcessType(c.Type) {
			return nil, fmt.Errorf("%q: %q is not a process type name (letters, digits, _ and -)", a, c.Type)
		}
		n, err := strconv.Atoi(m[2])
		if err != nil || n > maxQuantity {
			return nil, fmt.Errorf("%q: quantity %s is out of range (0 to %d)", a, m[2], maxQuantity)
		}
		c.Quantity = n
		if c.Size != "" && !sizeRE.MatchString(c.Size) {
			return nil, fmt.Errorf("%q: %q is not a dyno size (standard-1x, performance-l…)", a, c.Size)
		}
		if seen[c.Type] {
			return nil, fmt.Errorf("process type %s is given twice", c.Type)
		}
		seen[c.Type] = true
		out = append(out, c)
	}
	return out, nil
}

// Result is what a scale did, read back.
type Result struct {
	// Formation is the app's formation as read after the change (before
	// it when nothing was sent), sorted by type.
	Formation []herokuapi.Formation
	// Sent says a change was sent; false when the formation already was
	// as asked.
	Sent bool
	// Planned: a dry run said the change it would send; nothing was sent.
	Planned bool
}

// Read returns the app's formation, sorted by type.
func Read(ctx context.Context, s *session.Session, app string) ([]herokuapi.Formation, error) {
	f, err := s.Client.FormationList(ctx, app)
	if err != nil {
		return nil, err
	}
	sort.Slice(f, func(i, j int) bool { return f[i].Type < f[j].Type })
	return f, nil
}

// MismatchError is a change Heroku accepted whose result the formation
// read back does not show: someone else scaled meanwhile, or Heroku has
// not applied it. What runs is unknown.
type MismatchError struct {
	App, Asked, Now string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("Heroku accepted the change (%s) but app %s's formation reads %s", e.Asked, e.App, e.Now)
}

// ChangedError is a change Heroku refused while the formation read back
// differs from before: part of it, or another change, went through.
type ChangedError struct {
	App, Now string
	Refusal  error
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("%v; yet app %s's formation changed: it reads %s", e.Refusal, e.App, e.Now)
}

func (e *ChangedError) Unwrap() error { return e.Refusal }

// Scale sets the quantity (and size) of each process type in one request,
// after checking every type exists, and returns the formation read back.
// A refusal is input refused (outcome.BadInput) only when the formation reads as it
// did before; otherwise a *ChangedError. An answer that never came is
// judged by the formation read back: as asked is success, with a warning.
func Scale(ctx context.Context, s *session.Session, app string, changes []Change) (*Result, error) {
	before, err := Read(ctx, s, app)
	if err != nil {
		return nil, err
	}
	if err := checkTypes(app, before, typesOf(changes)); err != nil {
		return nil, err
	}
	if satisfied(before, changes) {
		return &Result{Formation: before}, nil
	}
	if s.Dry() {
		s.Would("scale %s to %s in one request (its formation now reads %s)", app, describeChanges(changes), Describe(before))
		return &Result{Formation: before, Planned: true}, nil
	}
	updates := make([]herokuapi.FormationUpdate, len(changes))
	for i, c := range changes {
		q := c.Quantity
		updates[i] = herokuapi.FormationUpdate{Type: c.Type, Quantity: &q, Size: c.Size}
	}
	s.Links.Changed(app)
	_, perr := s.Client.FormationBatchUpdate(ctx, app, updates)
	var he *herokuapi.Error
	if perr != nil && (ctx.Err() != nil || (errors.As(perr, &he) && (he.Status == 401 || he.Status == 403))) {
		return nil, perr // stopped, or the key refused: nothing to read back with
	}
	after, rerr := Read(ctx, s, app)
	asked := describeChanges(changes)
	switch {
	case perr == nil && rerr != nil:
		return nil, fmt.Errorf("Heroku accepted the change (%s), but reading the formation back failed: %w", asked, rerr)
	case perr == nil && satisfied(after, changes):
		return &Result{Formation: after, Sent: true}, nil
	case perr == nil:
		return nil, &MismatchError{App: app, Asked: asked, Now: Describe(after)}
	case rerr != nil:
		return nil, fmt.Errorf("%v; reading the formation back failed too, so what runs is unknown: %w", perr, rerr)
	case refused(perr) && same(before, after):
		return nil, outcome.Input(
			fmt.Sprintf("Heroku refused the change (%s): %s", asked, message(perr)),
			fmt.Sprintf("nothing changed: app %s's formation reads as before, %s", app, Describe(after)),
		)
	case refused(perr):
		return nil, &ChangedError{App: app, Now: Describe(after), Refusal: perr}
	case satisfied(after, changes):
		s.Warn(fmt.Sprintf("%v; the formation read back is as asked", perr))
		return &Result{Formation: after, Sent: true}, nil
	case same(before, after):
		return nil, fmt.Errorf("%w; nothing changed: the formation reads as before, %s", perr, Describe(after))
	}
	return nil, fmt.Errorf("%w; the formation now reads %s", perr, Describe(after))
}

// Restart restarts every dyno of the app (no types), or those of each
// type given (each once), after checking the names (input refused before
// any request) and that the types exist, and says Heroku accepted it.
func Restart(ctx context.Context, s *session.Session, app string, args []string) error {
	var types []string
	for _, t := range args {
		if !herokuapi.ValidProcessType(t) {
			return outcome.Inputf("%q is not a process type name (letters, digits, _ and -)", t)
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	if s.Dry() {
		return planRestart(ctx, s, app, types)
	}
	s.Links.Changed(app)
	if len(types) == 0 {
		if err := s.Client.RestartAll(ctx, app); err != nil {
			return err
		}
		s.Out.Step("Restart of every dyno of %s accepted by Heroku", app)
		return nil
	}
	f, err := Read(ctx, s, app)
	if err != nil {
		return err
	}
	if err := checkTypes(app, f, types); err != nil {
		return err
	}
	for _, t := range types {
		if err := s.Client.RestartType(ctx, app, t); err != nil {
			return err
		}
	}
	s.Out.Step("Restart of the %s dynos of %s accepted by Heroku", strings.Join(types, ", "), app)
	return nil
}

// planRestart is Restart in a dry run. It reads the formation even to
// restart every dyno, which the real run does not: a plan that names the
// process types, and finds an app the key cannot see before the real run
// does.
func planRestart(ctx context.Context, s *session.Session, app string, types []string) error {
	f, err := Read(ctx, s, app)
	if err != nil {
		return err
	}
	if len(types) == 0 {
		s.Would("restart every dyno of %s (its formation: %s)", app, Describe(f))
		return nil
	}
	if err := checkTypes(app, f, types); err != nil {
		return err
	}
	s.Would("restart the %s dynos of %s (its formation: %s)", strings.Join(types, ", "), app, Describe(f))
	return nil
}

// Describe writes a formation the way `heroku ps:scale` prints one:
// web=2:Standard-1X worker=0:Basic.
func Describe(list []herokuapi.Formation) string {
	if len(list) == 0 {
		return "no process types"
	}
	parts := make([]string, len(list))
	for i, f := range list {
		parts[i] = fmt.Sprintf("%s=%d:%s", f.Type, f.Quantity, herokuapi.FormationSize(f))
	}
	return strings.Join(parts, " ")
}

func describeChanges(cs []Change) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, " ")
}

func typesOf(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Type
	}
	return out
}

// checkTypes refuses a type the formation lacks, before any change.
func checkTypes(app string, f []herokuapi.Formation, types []string) error {
	have := map[string]bool{}
	var names []string
	for _, p := range f {
		have[p.Type] = true
		names = append(names, p.Type)
	}
	for _, t := range types {
		if have[t] {
			continue
		}
		hint := fmt.Sprintf("app %s's process types: %s (its current release's Procfile)", app, strings.Join(names, ", "))
		if len(names) == 0 {
			hint = fmt.Sprintf("app %s has no process types yet: deploy it first", app)
		}
		return outcome.Input(fmt.Sprintf("app %s has no process type %s", app, t), hint)
	}
	return nil
}

// satisfied: every change is what the formation says.
func satisfied(f []herokuapi.Formation, changes []Change) bool {
	for _, c := range changes {
		p := find(f, c.Type)
		if p == nil || p.Quantity != c.Quantity || (c.Size != "" && !strings.EqualFold(herokuapi.FormationSize(*p), c.Size)) {
			return false
		}
	}
	return true
}

// same: the two formations have the same types, quantities and sizes.
func same(a, b []herokuapi.Formation) bool {
	if len(a) != len(b) {
		return false
	}
	for _, p := range a {
		q := find(b, p.Type)
		if q == nil || q.Quantity != p.Quantity || !strings.EqualFold(herokuapi.FormationSize(*q), herokuapi.FormationSize(p)) {
			return false
		}
	}
	return true
}

func find(f []herokuapi.Formation, typ string) *herokuapi.Formation {
	for i := range f {
		if f[i].Type == typ {
			return &f[i]
		}
	}
	return nil
}

// refused: Heroku answered that it would not make the change (a 4xx other
// than the key's refusal and the rate limit).
func refused(err error) bool {
	var he *herokuapi.Error
	return errors.As(err, &he) && he.Status/100 == 4 && he.Status != 429 && he.ID != "invalid_response"
}

// message is Heroku's own words for a refusal.
func message(err error) string {
	var he *herokuapi.Error
	if errors.As(err, &he) && he.Message != "" {
		return he.Message
	}
	return err.Error()
}
