// yaml2json reads a multi-document YAML stream on stdin the way kubectl does
// (k8s.io/apimachinery's document reader + sigs.k8s.io/yaml, a YAML 1.1 reader)
// and prints a JSON array with one element per non-empty document. podwiz's tests
// use it to check that generated YAML means to kubectl what podwiz meant.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

func main() {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(os.Stdin))
	docs := []json.RawMessage{}
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "yaml2json: read:", err)
			os.Exit(1)
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			fmt.Fprintln(os.Stderr, "yaml2json: convert:", err)
			os.Exit(1)
		}
		if len(bytes.TrimSpace(js)) == 0 || string(bytes.TrimSpace(js)) == "null" {
			continue
		}
		docs = append(docs, js)
	}
	out, err := json.Marshal(docs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "yaml2json: marshal:", err)
		os.Exit(1)
	}
	os.Stdout.Write(append(out, '\n'))
}
