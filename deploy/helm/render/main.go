// Command render renders a Helm chart as `helm template` does, for machines without a helm
// binary (the test in deploy/test/helm.test.ts builds and runs it). It uses what Helm's engine
// uses: Go's text/template with Sprig's functions (less env and expandenv), Helm's own
// include, tpl, required, toYaml, fromYaml, toJson and fromJson, values read with
// sigs.k8s.io/yaml and merged like Helm merges -f files, missing keys rendering as empty.
// Not covered: lookup (answers empty, as in `helm template`), subcharts, .Files, hooks.
//
//	render -chart deploy/helm/chorus [-f more-values.yaml ...] [-name chorus] [-namespace default]
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

func main() {
	chartDir := flag.String("chart", "", "chart directory")
	name := flag.String("name", "chorus", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	var files valueFiles
	flag.Var(&files, "f", "values file to merge over values.yaml (repeatable)")
	flag.Parse()
	if *chartDir == "" {
		fmt.Fprintln(os.Stderr, "usage: render -chart DIR [-f values.yaml ...] [-name NAME] [-namespace NS]")
		os.Exit(2)
	}
	out, err := render(*chartDir, *name, *namespace, files)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(1)
	}
	fmt.Print(out)
}

func readYAML(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	values := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &values); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return values, nil
}

// merge copies over into base as Helm coalesces values: maps deep, a null deletes the key.
func merge(base, over map[string]interface{}) map[string]interface{} {
	for key, value := range over {
		if value == nil {
			delete(base, key)
			continue
		}
		overMap, overIsMap := value.(map[string]interface{})
		baseMap, baseIsMap := base[key].(map[string]interface{})
		if overIsMap && baseIsMap {
			base[key] = merge(baseMap, overMap)
		} else {
			base[key] = value
		}
	}
	return base
}

func render(chartDir, name, namespace string, files []string) (string, error) {
	meta, err := readYAML(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return "", err
	}
	values, err := readYAML(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return "", err
	}
	for _, file := range files {
		over, err := readYAML(file)
		if err != nil {
			return "", err
		}
		values = merge(values, over)
	}
	chart := map[string]interface{}{}
	for key, value := range meta {
		chart[strings.ToUpper(key[:1])+key[1:]] = value
	}
	chartName, _ := meta["name"].(string)
	data := map[string]interface{}{
		"Values":       values,
		"Chart":        chart,
		"Release":      map[string]interface{}{"Name": name, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
		"Template":     map[string]interface{}{"BasePath": chartName + "/templates"},
		"Capabilities": map[string]interface{}{"KubeVersion": map[string]interface{}{"Version": "v1.30.0", "Major": "1", "Minor": "30"}},
	}

	paths, err := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	if err != nil {
		return "", err
	}
	sort.Strings(paths)
	root := template.New(chartName).Option("missingkey=zero")
	root.Funcs(funcMap(root))
	var names []string
	for _, path := range paths {
		ext := filepath.Ext(path)
		if ext != ".yaml" && ext != ".yml" && ext != ".tpl" && ext != ".txt" {
			continue
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		templateName := chartName + "/templates/" + filepath.Base(path)
		if _, err := root.New(templateName).Parse(string(text)); err != nil {
			return "", err
		}
		if !strings.HasPrefix(filepath.Base(path), "_") && ext != ".txt" {
			names = append(names, templateName)
		}
	}

	var out strings.Builder
	for _, templateName := range names {
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, templateName, data); err != nil {
			return "", err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if strings.TrimSpace(text) == "" {
			continue
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", templateName, strings.TrimRight(text, "\n"))
	}
	return out.String(), nil
}

// funcMap is Helm's: Sprig's text functions without env/expandenv, and Helm's own.
func funcMap(root *template.Template) template.FuncMap {
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	depth := map[string]int{}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		if depth[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		depth[name]++
		defer func() { depth[name]-- }()
		var buf bytes.Buffer
		err := root.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		if _, err := t.New("tpl").Parse(text); err != nil {
			return "", err
		}
		var buf bytes.Buffer
		err = t.ExecuteTemplate(&buf, "tpl", data)
		return strings.ReplaceAll(buf.String(), "<no value>", ""), err
	}
	funcs["required"] = func(message string, value interface{}) (interface{}, error) {
		if value == nil {
			return value, errors.New(message)
		}
		if s, ok := value.(string); ok && s == "" {
			return value, errors.New(message)
		}
		return value, nil
	}
	funcs["toYaml"] = func(value interface{}) string {
		data, err := yaml.Marshal(value)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(data), "\n")
	}
	funcs["fromYaml"] = func(text string) map[string]interface{} {
		out := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(text), &out); err != nil {
			out["Error"] = err.Error()
		}
		return out
	}
	funcs["toJson"] = func(value interface{}) string {
		data, err := json.Marshal(value)
		if err != nil {
			return ""
		}
		return string(data)
	}
	funcs["fromJson"] = func(text string) map[string]interface{} {
		out := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(text), &out); err != nil {
			out["Error"] = err.Error()
		}
		return out
	}
	funcs["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	return funcs
}
