// Addressee picker: show the level or hospital choices only for the chosen mode.
(function () {
  const form = document.getElementById("notice-form");
  if (!form) return;
  const levels = document.getElementById("addressee-levels");
  const hospitals = document.getElementById("addressee-hospitals");
  function update() {
    const checked = form.querySelector('input[name="mode"]:checked');
    const mode = checked ? checked.value : "all";
    levels.hidden = mode !== "levels";
    hospitals.hidden = mode !== "hospitals";
  }
  form.querySelectorAll('input[name="mode"]').forEach((el) => el.addEventListener("change", update));
  update();
})();
