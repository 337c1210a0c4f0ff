#!/bin/sh
echo "example app running"
