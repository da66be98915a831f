# rstudio start: nginx on 8888 serves $NB_PREFIX/ from rserver (127.0.0.1:8787, www-root-path =
# $NB_PREFIX/, as jovyan, no login: the Kubeflow mesh authenticates), /healthy, 404 elsewhere;
# the seed's hardened settings (resources/rstudio/rserver.conf, rsession.conf).
COPY rstudio/rserver.conf rstudio/rsession.conf /etc/rstudio/
COPY rstudio/nginx.conf.template /etc/kfc/rstudio/nginx.conf.template
COPY --chmod=0755 rstudio/start-rstudio.sh /usr/local/bin/start-rstudio.sh
ENV PATH=${PATH}:/usr/lib/rstudio-server/bin \
    KFC_HEALTHCHECK_PATH=/healthy
CMD ["start-rstudio.sh"]
USER ${NB_UID}
