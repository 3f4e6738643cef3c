package kizuna

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// encodeQuery turns an options struct (fields tagged `url:"name"`, embedded structs flattened) into
// query parameters. Zero values and nil pointers are left out; slices are joined with commas.
func encodeQuery(opts interface{}) (url.Values, error) {
	values := url.Values{}
	if opts == nil {
		return values, nil
	}
	v := reflect.ValueOf(opts)
	for v.Kind() == reflect.Ptr {
		if v.IsNil() {
			return values, nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil, fmt.Errorf("kizuna: options must be a struct, got %s", v.Kind())
	}
	return values, addFields(values, v)
}

func addFields(values url.Values, v reflect.Value) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		field, value := t.Field(i), v.Field(i)
		if field.Anonymous {
			for value.Kind() == reflect.Ptr {
				if value.IsNil() {
					break
				}
				value = value.Elem()
			}
			if value.Kind() == reflect.Struct {
				if err := addFields(values, value); err != nil {
					return err
				}
			}
			continue
		}
		name := field.Tag.Get("url")
		if name == "" || name == "-" || !field.IsExported() {
			continue
		}
		if value.Kind() == reflect.Ptr {
			if value.IsNil() {
				continue
			}
			value = value.Elem()
		} else if value.IsZero() {
			continue
		}
		switch value.Kind() {
		case reflect.String:
			values.Set(name, value.String())
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			values.Set(name, strconv.FormatInt(value.Int(), 10))
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			values.Set(name, strconv.FormatUint(value.Uint(), 10))
		case reflect.Bool:
			values.Set(name, strconv.FormatBool(value.Bool()))
		case reflect.Slice:
			parts := make([]string, value.Len())
			for j := range parts {
				parts[j] = fmt.Sprint(value.Index(j).Interface())
			}
			values.Set(name, strings.Join(parts, ","))
		default:
			return fmt.Errorf("kizuna: cannot encode option %s of kind %s", field.Name, value.Kind())
		}
	}
	return nil
}
