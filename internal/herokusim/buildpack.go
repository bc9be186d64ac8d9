package herokusim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// The fake buildpacks: detection from the uploaded files, and build output
// shaped like Heroku's Node.js and Python buildpacks. Nothing is installed
// or run.

// A command (a build script, a release command) cannot run here; the
// simulator decides its outcome from its text: it fails when its last step
// is `false` or `exit N` with N > 0.
var failingCommand = regexp.MustCompile(`(?:^|[;&|]\s*)(?:false|exit\s+([1-9][0-9]*))\s*$`)

// requirementName is the package name at the start of a requirements.txt line.
var requirementName = regexp.MustCompile(`^[A-Za-z0-9._-]+`)

func detect(files map[string]string, bps []buildpack) string {
	if len(bps) > 0 {
		last := bps[len(bps)-1]
		id := last.Name + last.URL
		switch {
		case strings.Contains(id, "nodejs"):
			return "node"
		case strings.Contains(id, "python"):
			return "python"
		}
		return "other"
	}
	if _, ok := files["package.json"]; ok {
		return "node"
	}
	for _, f := range []string{"requirements.txt", "Pipfile", "pyproject.toml", "setup.py", ".python-version"} {
		if _, ok := files[f]; ok {
			return "python"
		}
	}
	return ""
}

func parseProcfile(s string) map[string]string {
	procs := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		name, cmd, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if ok && name != "" && !strings.HasPrefix(name, "#") {
			procs[name] = strings.TrimSpace(cmd)
		}
	}
	return procs
}

type logFn func(lines ...string) bool

func (s *Server) nodeBuild(files map[string]string, log logFn, fail func(...string)) (bool, float64) {
	var pkg struct {
		Engines         map[string]string `json:"engines"`
		Scripts         map[string]string `json:"scripts"`
		Dependencies    map[string]string `json:"dependencies"`
		DevDependencies map[string]string `json:"devDependencies"`
	}
	log("-----> Node.js app detected")
	if err := json.Unmarshal([]byte(files["package.json"]), &pkg); err != nil {
		fail("-----> Build failed", " !     Unable to parse package.json: "+err.Error())
		return false, 0
	}
	nodeVer := pkg.Engines["node"]
	if nodeVer == "" {
		nodeVer = "unspecified"
	}
	lock := "package.json"
	if _, ok := files["package-lock.json"]; ok {
		lock = "package-lock.json"
	}
	n := len(pkg.Dependencies) + len(pkg.DevDependencies)
	if !log("", "-----> Creating runtime environment", "", "       NODE_ENV=production", "",
		"-----> Installing binaries", "       engines.node (package.json):  "+nodeVer, "",
		"       Resolving node version "+strings.ReplaceAll(nodeVer, "unspecified", "22.x")+"...",
		"", "-----> Installing dependencies", "       Installing node modules ("+lock+")",
		fmt.Sprintf("       added %d packages in 1s", n*7)) {
		return false, 0
	}
	if script := pkg.Scripts["build"]; script != "" {
		log("", "-----> Build", "       Running build", "", "       > "+script)
		if failingCommand.MatchString(script) {
			fail("npm error code 1", "npm error command failed", "", "-----> Build failed",
				" !     The build script (npm run build) exited with an error.")
			return false, 0
		}
	}
	if !log("", "-----> Pruning devDependencies", "", "-----> Build succeeded!") {
		return false, 0
	}
	if pkg.Scripts["start"] == "" && !strings.Contains(files["Procfile"], "web:") {
		if _, ok := files["server.js"]; !ok {
			log(" !     This app may not specify any way to start a node process",
				"       https://devcenter.heroku.com/articles/nodejs-support#default-web-process-type")
		}
	}
	return true, 42
}

func (s *Server) pythonBuild(files map[string]string, log logFn, fail func(...string)) (bool, float64) {
	version := strings.TrimSpace(files[".python-version"])
	line := "       No Python version was specified. Using the buildpack default: Python 3.13"
	if version != "" {
		line = "-----> Using Python " + version + " specified in .python-version"
	} else {
		version = "3.13"
	}
	if !log("-----> Python app detected", line, "-----> Installing Python "+version, "-----> Installing pip") {
		return false, 0
	}
	reqs, ok := files["requirements.txt"]
	if !ok {
		return log("-----> Installing dependencies from the project files"), 30
	}
	log("-----> Installing dependencies using 'pip install -r requirements.txt'")
	var names []string
	for i, l := range strings.Split(reqs, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name := requirementName.FindString(l)
		if name == "" {
			fail(fmt.Sprintf("       ERROR: Invalid requirement: '%s' (from line %d of requirements.txt)", l, i+1))
			return false, 0
		}
		names = append(names, name)
		log(fmt.Sprintf("       Collecting %s (from -r requirements.txt (line %d))", l, i+1))
	}
	if !log("       Successfully installed " + strings.Join(names, " ")) {
		return false, 0
	}
	if !strings.Contains(files["Procfile"], "web:") {
		log(" !     Warning: No 'web' process type found in Procfile and no default for this app type.")
	}
	return true, 35
}

// firBuild plays a Fir-generation build: Cloud Native Buildpacks, chosen by
// project.toml's buildpack group or detected from the files, producing an
// OCI image. A build request's buildpacks do not apply on Fir.
func (s *Server) firBuild(b *build, files map[string]string, log logFn) {
	if !log("-----> Building on the Fir generation (Cloud Native Buildpacks)", "===> DETECTING") {
		return
	}
	lang := detectFir(files)
	groups := map[string][]string{
		"node":   {"heroku/nodejs-engine  3.4.1", "heroku/nodejs-npm-install  3.4.1", "heroku/procfile  4.1.0"},
		"python": {"heroku/python  0.26.1", "heroku/procfile  4.1.0"},
		"other":  {"(a buildpack group from project.toml; the simulator treats it as passing)"},
	}[lang]
	if groups == nil {
		log("ERROR: No buildpack groups passed detection.",
			"ERROR: Please check that you are running against the correct path.",
			"ERROR: failed to detect: no buildpacks participating")
		s.finishBuild(b, false, nil, "")
		return
	}
	for _, g := range groups {
		log("       " + g)
	}
	if !log("===> BUILDING") {
		return
	}
	switch lang {
	case "node":
		log("[Heroku Node.js Engine Buildpack]", "- Installing Node.js 22.x", "[Heroku Node.js npm Install Buildpack]", "- Installing dependencies", "  - Running `npm ci`")
	case "python":
		if reqs := files["requirements.txt"]; reqs != "" {
			log("[Heroku Python Buildpack]", "- Installing Python 3.13", "- Installing dependencies using pip", "  - Running `pip install -r requirements.txt`")
		}
	}
	procs := parseProcfile(files["Procfile"])
	if !log("===> EXPORTING", "Adding layer 'heroku/"+lang+":runtime'", "Adding 1/1 app layer(s)", "Saving image...") {
		return
	}
	s.mu.Lock()
	next := len(b.app.releases) + 1
	s.mu.Unlock()
	if procs["release"] != "" {
		log("       !!! Release command declared: this new release will not be available until the command succeeds.")
	}
	if !log("-----> Launching...", fmt.Sprintf("       Released v%d", next), "       "+defaultDomainURL(b.app.Name)+" deployed to Heroku", "") {
		return
	}
	s.finishBuild(b, true, procs, lang)
}

// detectFir picks the language from project.toml's buildpack group, else
// from the files, as CNB detection does.
func detectFir(files map[string]string) string {
	for _, line := range strings.Split(files["project.toml"], "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != "id" {
			continue
		}
		switch id := strings.Trim(strings.TrimSpace(v), `"'`); {
		case strings.Contains(id, "nodejs"):
			return "node"
		case strings.Contains(id, "python"):
			return "python"
		default:
			return "other"
		}
	}
	return detect(files, nil)
}
