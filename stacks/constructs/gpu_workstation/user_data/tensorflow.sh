# TensorFlow on the base DLAMI (AWS no longer builds a TensorFlow DLAMI for every OS): CUDA-enabled wheels from
# PyPI in a venv of their own, so they never fight the system or JupyterLab packages, shown as a Jupyter kernel.
tensorflow_env=/opt/mlstack/tensorflow
ensure_venv "$tensorflow_env"
"$tensorflow_env/bin/pip" install --quiet "tensorflow[and-cuda]" ipykernel
"$tensorflow_env/bin/python" -m ipykernel install --prefix "$jupyter_env" --name tensorflow --display-name "TensorFlow (GPU)"
chown -R "$MLSTACK_OS_USER": "$tensorflow_env"
