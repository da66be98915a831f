# Start scripts: docker-stacks' runtime contract with Kubeflow's on top (see resources/common/start.sh
# and start-notebook.py). ENTRYPOINT runs start.sh, so ANY command (`docker run IMAGE bash -c id`)
# gets the user refit, the hooks and the seeded home, as in docker-stacks.
# _docker_stacks_log.sh is the log helper they all use (and hooks may source), at docker-stacks' path.
COPY --chmod=0755 common/start.sh common/run-hooks.sh common/_docker_stacks_log.sh common/kfc-seed-home \
    common/kfc-healthcheck common/run-one-constantly common/start-notebook.py common/start-singleuser.py \
    common/start-notebook.sh /usr/local/bin/
# docker-stacks' place for its server settings (ip, GEN_CERT, NB_UMASK); harmless without Jupyter.
COPY common/jupyter_server_config.py /etc/jupyter/jupyter_server_config.py

# An arbitrary uid in group 0 may write /etc/passwd (docker-stacks' way to give it a name): without
# pam_unix's `nullok`, a password-less uid-0 entry it could add there is refused by su and by every
# other PAM login, so group 0 is not a way to root. (A 1 KiB file changed: the layer is tiny.)
# ~/work (where docker-stacks users mount their data) and ~/.jupyter exist in the image's home, so a
# user renamed with NB_USER finds them in /home/$NB_USER too. They are not home defaults: a Kubeflow
# home volume (empty, seeded by kfc-seed-home from /etc/skel and /opt/kfc/home-defaults) stays clean.
RUN sed -i -E 's/[[:space:]]+nullok\b//' /etc/pam.d/common-auth && \
    ! grep -q nullok /etc/pam.d/common-auth && \
    install -d -o "${NB_UID}" -g "${NB_GID}" "/home/${NB_USER}/work" "/home/${NB_USER}/.jupyter" && \
    fix-permissions "/home/${NB_USER}"

# Healthy when a running Jupyter server answers <its url>api, found through its runtime file
# (any port, base URL, http or https); an image whose front is not Jupyter sets KFC_HEALTHCHECK_PATH.
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/kfc-healthcheck"]

ENV JUPYTER_PORT=8888
EXPOSE 8888
WORKDIR /home/jovyan
ENTRYPOINT ["tini", "-g", "--", "start.sh"]
CMD ["start-notebook.py"]
USER ${NB_UID}
