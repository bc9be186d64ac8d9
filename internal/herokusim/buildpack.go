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
