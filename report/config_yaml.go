package report

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The YAML as written: decoded strictly (KnownFields) into these plain
// structs, then checked and turned into Config. Values that may be a
// keyword or a list (apps, periods, metrics) or a number or a string
// (sizes, limits) are kept as nodes and decoded by hand.
type (
	rawConfig struct {
		API      rawAPI      `yaml:"api"`
		Timezone string      `yaml:"timezone"`
		SMTP     *rawSMTP    `yaml:"smtp"`
		Reports  []rawReport `yaml:"reports"`
		State    *string     `yaml:"state"`
	}
	rawAPI struct {
		BaseURL           string   `yaml:"base_url"`
		CompanyID         string   `yaml:"company_id"`
		Concurrency       *int     `yaml:"concurrency"`
		RequestsPerMinute *float64 `yaml:"requests_per_minute"`
		MaxRetries        *int     `yaml:"max_retries"`
		SitesBaseURL      string   `yaml:"sites_base_url"` // config_sites.go
	}
	rawSMTP struct {
		Host           string    `yaml:"host"`
		Port           *int      `yaml:"port"`
		Username       string    `yaml:"username"`
		PasswordEnv    string    `yaml:"password_env"`
		From           string    `yaml:"from"`
		TLS            string    `yaml:"tls"`
		CAFile         string    `yaml:"ca_file"`
		MaxMessageSize yaml.Node `yaml:"max_message_size"`
	}
	rawReport struct {
		Name                 string         `yaml:"name"`
		Apps                 yaml.Node      `yaml:"apps"`
		Periods              yaml.Node      `yaml:"periods"`
		Interval             string         `yaml:"interval"`
		Metrics              yaml.Node      `yaml:"metrics"`
		SlowestRequestsLimit *int           `yaml:"slowest_requests_limit"`
		Users                *bool          `yaml:"users"`
		Timezone             string         `yaml:"timezone"`
		Email                *rawEmail      `yaml:"email"`
		Thresholds           []rawThreshold `yaml:"thresholds"`
		Send                 string         `yaml:"send"`
		ComparePrevious      *bool          `yaml:"compare_previous"`
		CatchUp              *int           `yaml:"catch_up"`
		Every                string         `yaml:"every"`
		Notify               []rawNotify    `yaml:"notify"`
		Sites                yaml.Node      `yaml:"sites"`        // config_sites.go
		Environments         yaml.Node      `yaml:"environments"` // config_sites.go
	}
	rawEmail struct {
		To      []string `yaml:"to"`
		Cc      []string `yaml:"cc"`
		Bcc     []string `yaml:"bcc"`
		Subject *string  `yaml:"subject"`
	}
	rawNotify struct {
		Kind      string `yaml:"kind"`
		Name      string `yaml:"name"`
		URLEnv    string `yaml:"url_env"`
		SecretEnv string `yaml:"secret_env"`
		Send      string `yaml:"send"`
	}
	rawThreshold struct {
		Metric string    `yaml:"metric"`
		Above  yaml.Node `yaml:"above"`
		On     string    `yaml:"on"`
		Apps   []string  `yaml:"apps"`
		Sites  []string  `yaml:"sites"` // config_sites.go
	}
)

// rawTypes describes the raw structs for yaml's error messages: the Go type
// name yaml prints, what it is, and its keys.
var rawTypes = func() map[string]rawType {
	m := map[string]rawType{}
	for _, x := range []struct {
		v    any
		what string
	}{
		{rawConfig{}, "the config"},
		{rawAPI{}, "the api block"},
		{rawSMTP{}, "the smtp block"},
		{rawReport{}, "a report"},
		{rawEmail{}, "the email block"},
		{rawThreshold{}, "a threshold"},
		{rawNotify{}, "a notify target"},
	} {
		t := reflect.TypeOf(x.v)
		var keys []string
		for i := range t.NumField() {
			keys = append(keys, strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0])
		}
		m[t.String()] = rawType{what: x.what, keys: keys}
	}
	return m
}()

type rawType struct {
	what string
	keys []string
}

// nodeRef is a key (nil in a list) and its value at a field path.
type nodeRef struct {
	path     string
	key, val *yaml.Node
}

func (r nodeRef) line() int {
	if r.key != nil {
		return r.key.Line
	}
	return r.val.Line
}

// validator collects the problems of one config.
type validator struct {
	file string
	root *yaml.Node
	refs map[string]nodeRef // field path -> node
	all  []nodeRef          // in document order
	errs []*FieldError
	// warnings are problems that do not stop a run.
	warnings []*FieldError
	// bad holds the paths yaml already complained about: no second
	// message for them or below them.
	bad []string
}

// index records the field path of every node under n.
func (v *validator) index(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			v.add(nodeRef{path: p, key: k, val: val})
			v.index(val, p)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			v.add(nodeRef{path: p, val: item})
			v.index(item, p)
		}
	}
}

func (v *validator) add(r nodeRef) {
	if _, dup := v.refs[r.path]; !dup {
		v.refs[r.path] = r
	}
	v.all = append(v.all, r)
}

// line is the line of path, or of its nearest parent in the file (a
// missing key is reported at the block that lacks it).
func (v *validator) line(path string) int {
	for path != "" {
		if r, ok := v.refs[path]; ok {
			return r.line()
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 1
}

// errorf records a problem at path, unless yaml already reported one there.
func (v *validator) errorf(path, format string, args ...any) {
	for _, b := range v.bad {
		if b == "" || path == b || strings.HasPrefix(path, b+".") || strings.HasPrefix(path, b+"[") {
			return
		}
	}
	v.errs = append(v.errs, &FieldError{File: v.file, Line: v.line(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// warnf records a warning at path: a problem -check reports that does not
// stop a run.
func (v *validator) warnf(path, format string, args ...any) {
	v.warnings = append(v.warnings, &FieldError{File: v.file, Line: v.line(path), Path: path, Msg: "warning: " + fmt.Sprintf(format, args...)})
}

func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(v.errs, func(a, b *FieldError) int { return a.Line - b.Line })
	errs := make([]error, len(v.errs))
	for i, e := range v.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a YAML syntax error into FILE:LINE: message.
func (v *validator) syntaxError(err error) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FieldError{File: v.file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &FieldError{File: v.file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

var (
	yamlUnknownRE = regexp.MustCompile(`^line (\d+): field (.*) not found in type (\S+)$`)
	yamlTwiceRE   = regexp.MustCompile(`^line (\d+): field (.*) already set in type (\S+)$`)
	yamlDupKeyRE  = regexp.MustCompile(`^line (\d+): mapping key "(.*)" already defined at line (\d+)$`)
	yamlTypeRE    = regexp.MustCompile("^line (\\d+): cannot unmarshal (!!\\w+|\\S+)(?: `(.*)`)? into (.+)$")
	yamlOtherRE   = regexp.MustCompile(`^line (\d+): (.*)$`)
)

// yamlError translates one message of a yaml.TypeError into a FieldError
// with the field path.
func (v *validator) yamlError(msg string) {
	if m := yamlUnknownRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		r := v.keyAt(line, m[2])
		v.bad = append(v.bad, r.path)
		v.errs = append(v.errs, &FieldError{File: v.file, Line: line, Path: r.path, Msg: unknownKeyMsg(m[2], rawTypes[m[3]].keys, r.path)})
		return
	}
	if m := yamlTwiceRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		r := v.keyAt(line, m[2])
		first := ""
		if f, ok := v.refs[r.path]; ok && f.key != nil && f.key.Line != line {
			first = fmt.Sprintf(" (first at line %d)", f.key.Line)
		}
		v.bad = append(v.bad, r.path)
		v.errs = append(v.errs, &FieldError{File: v.file, Line: line, Path: r.path, Msg: fmt.Sprintf("key %q appears twice%s (want each key once)", m[2], first)})
		return
	}
	if m := yamlDupKeyRE.FindStringSubmatch(msg); m != nil {
		// yaml drops the whole mapping: nothing under it can be checked.
		line, _ := strconv.Atoi(m[1])
		r := v.keyAt(line, m[2])
		v.bad = append(v.bad, parentPath(r.path))
		v.errs = append(v.errs, &FieldError{File: v.file, Line: line, Path: r.path,
			Msg: fmt.Sprintf("key %q appears twice (first at line %s) (want each key once)", m[2], m[3])})
		return
	}
	if m := yamlTypeRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		r, ok := v.valueAt(line, m[2], m[3], m[4])
		if !ok {
			v.errs = append(v.errs, &FieldError{File: v.file, Line: line, Msg: msg})
			return
		}
		v.bad = append(v.bad, r.path)
		want := describeType(m[4])
		if r.path == "" {
			want = "a mapping with the keys api, timezone, smtp and reports"
		}
		why := ""
		if want == boolWant && r.val.Kind == yaml.ScalarNode {
			why = boolWhy
		}
		v.errs = append(v.errs, &FieldError{File: v.file, Line: line, Path: r.path, Msg: fmt.Sprintf("want %s, got %s%s", want, describeNode(r.val), why)})
		return
	}
	line := 0
	if m := yamlOtherRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	v.errs = append(v.errs, &FieldError{File: v.file, Line: line, Msg: msg})
}

// parentPath is the path of the mapping or list that holds path.
func parentPath(path string) string {
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

// listItems returns the field paths of the n entries yaml decoded from the
// list at path, in order. yaml drops an entry it cannot decode (one of the
// wrong kind, reported as a type error; a mapping with a repeated key; an
// empty entry, silently), so the i-th decoded entry is not always the i-th
// in the file. Empty entries are reported here. mapping says whether the
// entries are mappings (else scalars).
func (v *validator) listItems(path string, n int, mapping bool, what string) []string {
	var out []string
	if r, ok := v.refs[path]; ok && r.val.Kind == yaml.SequenceNode {
		for j, item := range r.val.Content {
			ip := fmt.Sprintf("%s[%d]", path, j)
			if item.Kind == yaml.AliasNode && item.Alias != nil {
				item = item.Alias
			}
			switch {
			case isNull(item):
				v.errorf(ip, "empty entry (want %s)", what)
			case mapping && item.Kind == yaml.MappingNode && !hasRepeatedKey(item),
				!mapping && item.Kind == yaml.ScalarNode:
				out = append(out, ip)
			}
		}
	}
	for len(out) < n {
		out = append(out, fmt.Sprintf("%s[%d]", path, len(out)))
	}
	return out[:n]
}

func hasRepeatedKey(n *yaml.Node) bool {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	return false
}

// keyAt finds the key named name on line.
func (v *validator) keyAt(line int, name string) nodeRef {
	for _, r := range v.all {
		if r.key != nil && r.key.Line == line && r.key.Value == name {
			return r
		}
	}
	return nodeRef{path: name, key: &yaml.Node{Line: line, Value: name}}
}

// valueAt finds the value yaml could not decode into goType: on line,
// with tag and (possibly shortened) value as yaml printed them. Of several
// candidates on the line, the one whose field has goType wins.
func (v *validator) valueAt(line int, tag, value, goType string) (nodeRef, bool) {
	match := func(n *yaml.Node) bool {
		if n.Line != line {
			return false
		}
		switch tag {
		case "!!seq":
			return n.Kind == yaml.SequenceNode
		case "!!map":
			return n.Kind == yaml.MappingNode
		}
		if n.Kind != yaml.ScalarNode {
			return false
		}
		if short, ok := strings.CutSuffix(value, "..."); ok && len(n.Value) > 10 {
			return strings.HasPrefix(n.Value, short)
		}
		return n.Value == value
	}
	candidates := []nodeRef{{path: "", val: v.root}}
	candidates = append(candidates, v.all...)
	var found []nodeRef
	for _, r := range candidates {
		if r.val != nil && match(r.val) {
			found = append(found, r)
		}
	}
	want := strings.TrimPrefix(goType, "*")
	for _, r := range found {
		if t := rawTypeAt(r.path); t != nil && strings.TrimPrefix(t.String(), "*") == want {
			return r, true
		}
	}
	if len(found) > 0 {
		return found[len(found)-1], true
	}
	return nodeRef{}, false
}

// rawTypeAt is the Go type of the raw field at path; nil when the path
// does not lead to a field of the raw structs.
func rawTypeAt(path string) reflect.Type {
	t := reflect.TypeOf(rawConfig{})
	for path != "" {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if rest, ok := strings.CutPrefix(path, "["); ok {
			i := strings.IndexByte(rest, ']')
			if i < 0 || t.Kind() != reflect.Slice {
				return nil
			}
			t, path = t.Elem(), rest[i+1:]
			continue
		}
		path = strings.TrimPrefix(path, ".")
		name := path
		if i := strings.IndexAny(path, ".["); i >= 0 {
			name, path = path[:i], path[i:]
		} else {
			path = ""
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
		var next reflect.Type
		for i := range t.NumField() {
			if strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0] == name {
				next = t.Field(i).Type
			}
		}
		if next == nil {
			return nil
		}
		t = next
	}
	return t
}

// unknownKeyMsg explains an unknown key: what is valid, a likely intended
// key, and where secrets go instead.
func unknownKeyMsg(name string, keys []string, path string) string {
	lower := strings.ToLower(name)
	if strings.Contains(lower, "pass") || strings.Contains(lower, "secret") {
		return fmt.Sprintf("unknown key %q: secrets never live in the YAML; put the password in an environment variable and name it with password_env (default %s)", name, DefaultPasswordEnv)
	}
	if strings.Contains(lower, "key") || strings.Contains(lower, "token") {
		if strings.HasPrefix(path, "api.") || !strings.Contains(path, ".") {
			return fmt.Sprintf("unknown key %q: secrets never live in the YAML; set the KINSTA_API_KEY environment variable", name)
		}
	}
	msg := fmt.Sprintf("unknown key %q", name)
	if s := closest(name, keys); s != "" {
		msg += fmt.Sprintf(", did you mean %q?", s)
	}
	if len(keys) > 0 {
		msg += " (want one of: " + strings.Join(keys, ", ") + ")"
	}
	return msg
}

// closest returns the candidate within edit distance 2 of s, if any.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// describeType says in words what a Go type of the raw structs takes.
func describeType(t string) string {
	t = strings.TrimPrefix(t, "*")
	switch t {
	case "int", "int64", "uint", "uint64":
		return "a whole number"
	case "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return boolWant
	case "[]string":
		return "a list of strings"
	}
	if elem, ok := strings.CutPrefix(t, "[]"); ok {
		if rt, ok := rawTypes[elem]; ok {
			return "a list, each entry " + rt.what + " with the keys " + strings.Join(rt.keys, ", ")
		}
		return "a list"
	}
	if rt, ok := rawTypes[t]; ok {
		return "a mapping with the keys " + strings.Join(rt.keys, ", ")
	}
	return t
}

// boolWant is the one rule of every boolean key: YAML 1.2 booleans,
// unquoted true or false. yaml.v3 would also take yes, no, on, off, y and
// n (quoted or not) for a bool field, but reject a quoted "false": two
// keys that look alike behaved differently.
const (
	boolWant = "true or false"
	boolWhy  = " (booleans are unquoted true or false; yes, no, on, off and quoted values are strings)"
)

// checkBooleans applies boolWant to every boolean key of the raw structs,
// whoever added it.
func (v *validator) checkBooleans() {
	for _, r := range v.all {
		t := rawTypeAt(r.path)
		if t == nil || strings.TrimPrefix(t.String(), "*") != "bool" {
			continue
		}
		n := deref(r.val)
		if isNull(n) || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool") {
			continue
		}
		v.errorf(r.path, "want %s, got %s%s", boolWant, describeNode(n), boolWhy)
	}
}

// describeNode says what a node is, for "got ..." in messages.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!str":
			return strconv.Quote(n.Value)
		}
		return n.Value
	}
	return "an alias"
}

// deref follows an alias (*name) to the node it stands for.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 10; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// scalarValue decodes a scalar node into a Go value (int, float64, string,
// ...).
func scalarValue(n *yaml.Node) (any, error) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("want a number or a string, got %s", describeNode(n))
	}
	var x any
	if err := n.Decode(&x); err != nil {
		return nil, err
	}
	return x, nil
}
