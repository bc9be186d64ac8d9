// Package gitlabci is what GitLab does with a CI configuration when it
// creates a pipeline, copied from GitLab's source as far as the
// components' tests need it, so that a template can be checked without a
// GitLab instance (tests only: the heroku-deploy binary links none of it).
// gitlab-ci-local's own interpolation differs from GitLab on exactly the
// points that broke a component once (issue 9), so the tests render with
// this instead and use gitlab-ci-local only to run the result.
//
// What it copies, and from where (gitlab-org/gitlab, mirrored on GitHub as
// gitlabhq/gitlabhq; the version is GitLab 17.0, the oldest the components
// support, unless a comment says otherwise):
//
//   - YAML as GitLab loads it (yaml.go): Psych, a YAML 1.1 parser
//     (lib/gitlab/config/loader/yaml.rb, YAML.safe_load), so on/off/yes/no
//     are booleans, dates are refused, merge keys merge and !reference is
//     kept as written. Mappings keep their order (Map).
//   - Including a component with inputs (interp.go): the header's keys
//     (lib/gitlab/ci/config/header/{root,spec,input}.rb), the inputs'
//     types, options and regex (interpolation/inputs.rb and
//     inputs/*_input.rb), the interpolation blocks and their access
//     (interpolation/{template,block,access}.rb), the two functions 17.0
//     has (functions/{truncate,expand_vars}.rb, lib/expand_variables.rb),
//     the order of the checks (interpolation/interpolator.rb):
//     Component.Render. DeepMerge merges included files as
//     config/external/processor.rb does; resolving an `include:
//     component:` to a template is the caller's (internal/componenttest).
//   - Ruby's semantics where they decide the rendered text (interp.go):
//     to_s, Float#to_s, Array#inspect and String#inspect, and String#gsub's
//     reading of back-references in its replacement, as Ruby 3.1 (what
//     GitLab 17.0 runs) has them; TestRubySemanticsMatchRuby holds them to
//     the machine's ruby.
//   - rules:if expressions (expr.go): the lexemes of
//     lib/gitlab/ci/pipeline/expression/lexeme/*.rb and statement.rb's
//     evaluation; JobRuns applies a job's rules (the first match decides).
//   - GitLab's CI JSON schema (schema.go), taken at run time from the
//     installed gitlab-ci-local, which bundles
//     app/assets/javascripts/editor/schema/ci.json (no copy is committed),
//     without its format keywords and its minItems on tags, which GitLab
//     itself does not enforce; and the job-level rules the schema misses
//     (CheckPipeline): variables (entry/variables.rb, entry/variable.rb),
//     stages (entry/stages.rb), job names (entry/processable.rb), image
//     references (as the runner parses them: distribution/reference),
//     rules:if syntax, and environments (entry/environment.rb,
//     yaml_processor.rb's on_stop checks, chronic_duration's durations).
//
// What it does not do: include anything but a component (local, project,
// remote and template includes, `extends`, `!reference` resolution and
// rules:changes/exists are left to gitlab-ci-local or not modelled); the
// features GitLab added after 17.0 (the component context and
// posix_escape in 18.6, inputs' rules in 18.7, spec:include in 18.9,
// spec:description in 18.10: a template that uses them is refused, as
// 17.0 refuses it); a hash written into a string (Ruby's
// Hash#inspect changed in 3.4, so it is refused rather than guessed); and
// anything a runner does with a job once it is created, beyond expanding
// image names. Only a real GitLab instance proves that pipeline creation
// accepts an include.
package gitlabci
