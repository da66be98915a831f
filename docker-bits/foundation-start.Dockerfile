# Start scripts (docker-stacks + Kubeflow semantics, see resources/common/start.sh).
COPY --chmod=0755 common/start.sh common/kfc-seed-home common/kfc-healthcheck common/run-one-constantly /usr/local/bin/

# Healthy when the front server answers $NB_PREFIX/api on $JUPYTER_PORT (8888);
# an image whose front is not Jupyter sets KFC_HEALTHCHECK_PATH.
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/kfc-healthcheck"]

EXPOSE 8888
WORKDIR /home/jovyan
ENTRYPOINT ["tini", "-g", "--"]
CMD ["start.sh"]
USER ${NB_UID}
