package herokusim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Teams and private spaces, as far as creating apps needs them: a team has
// members (accounts of the simulator's keys), a space belongs to a team
// and decides its apps' generation and region ("generation is determined
// by the space": Fir apps exist only in Fir spaces).

type team struct {
	ID, Name string
	members  []string // account emails
}

type space struct {
	ID, Name string
	team     *team
	fir      bool
	region   string
}

// TeamSpec is a team's text form: NAME[:userN,...], its members the
// accounts of those keys (default: every key's).
func parseTeam(s string, accounts int) (name string, members []string, err error) {
	name, list, _ := strings.Cut(s, ":")
	if !teamNameRE.MatchString(name) {
		return "", nil, fmt.Errorf("team %q: not a team name", s)
	}
	if list == "" {
		for i := range accounts {
			members = append(members, fmt.Sprintf("user%d@example.com", i+1))
		}
		return name, members, nil
	}
	for _, m := range strings.Split(list, ",") {
		if n, err := strconv.Atoi(strings.TrimPrefix(m, "user")); err != nil || !strings.HasPrefix(m, "user") || n < 1 {
			return "", nil, fmt.Errorf("team %q: member %q is not userN", s, m)
		}
		members = append(members, m+"@example.com")
	}
	return name, members, nil
}

// parseSpace reads a space's text form: NAME:TEAM[:fir][:REGION].
func parseSpace(s string) (name, teamName string, fir bool, region string, err error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || !teamNameRE.MatchString(parts[0]) || !teamNameRE.MatchString(parts[1]) {
		return "", "", false, "", fmt.Errorf("space %q: want NAME:TEAM[:fir][:REGION]", s)
	}
	region = "virginia"
	for _, o := range parts[2:] {
		switch {
		case o == "fir":
			fir = true
		case slices.Contains(privateRegions, o):
			region = o
		default:
			return "", "", false, "", fmt.Errorf("space %q: unknown option %q (fir, or a private region: %s)", s, o, strings.Join(privateRegions, ", "))
		}
	}
	return parts[0], parts[1], fir, region, nil
}

var (
	teamNameRE = appNameRE
	// Regions: the Common Runtime's, and those of private spaces.
	commonRegions  = []string{"us", "eu"}
	privateRegions = []string{"virginia", "oregon", "frankfurt", "tokyo", "sydney", "dublin", "montreal", "mumbai"}
)

// addTeamsAndSpaces creates the configured teams and spaces (s.mu held or
// not yet shared).
func (s *Server) addTeamsAndSpaces() {
	for _, spec := range s.opts.Teams {
		name, members, err := parseTeam(spec, len(s.opts.Keys))
		if err != nil {
			panic(err) // ParseFlags and the tests check specs first
		}
		t := &team{ID: s.id('8'), Name: name, members: members}
		s.teams[name] = t
	}
	for _, spec := range s.opts.Spaces {
		name, teamName, fir, region, err := parseSpace(spec)
		if err != nil {
			panic(err)
		}
		t := s.teams[teamName]
		if t == nil {
			panic(fmt.Sprintf("space %s: no team %s (add -team %[2]s)", name, teamName))
		}
		s.spaces[name] = &space{ID: s.id('8'), Name: name, team: t, fir: fir, region: region}
	}
}

func (t *team) member(email string) bool { return slices.Contains(t.members, email) }

// canUse reports whether acct may use app a: its owner, or a member of
// its team.
func (a *app) canUse(email string) bool {
	return a.Owner == email || (a.team != nil && a.team.member(email))
}

// postTeamApp answers POST /teams/apps: an app in a team, or in one of its
// spaces.
func (s *Server) postTeamApp(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name            *string `json:"name"`
		Team            *string `json:"team"`
		Region          *string `json:"region"`
		Space           *string `json:"space"`
		Stack           *string `json:"stack"`
		Locked          *bool   `json:"locked"`
		Personal        *bool   `json:"personal"`
		InternalRouting *bool   `json:"internal_routing"`
	}
	if !decodeStrict(w, r, &body) {
		return
	}
	req := createRequest{name: body.Name, region: body.Region, stack: body.Stack, space: body.Space}
	if body.Team != nil {
		req.team = *body.Team
	}
	if body.Personal != nil && *body.Personal {
		req.team = ""
	}
	a, ok := s.createRequested(w, accountOf(r), req)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, 201, s.teamAppJSON(a, accountOf(r)))
}

// teamAppJSON is an app as the team-app resource shows it.
func (s *Server) teamAppJSON(a *app, acct *account) map[string]any {
	full := s.appJSON(a)
	out := map[string]any{"joined": a.team != nil && a.team.member(acct.email), "locked": false}
	for _, k := range []string{"archived_at", "buildpack_provided_description", "build_stack", "created_at", "git_url", "id",
		"internal_routing", "maintenance", "name", "owner", "region", "released_at", "repo_size", "slug_size", "space",
		"stack", "updated_at", "web_url"} {
		out[k] = full[k]
	}
	out["team"] = nil
	if a.team != nil {
		out["team"] = map[string]string{"name": a.team.Name}
	}
	return out
}
